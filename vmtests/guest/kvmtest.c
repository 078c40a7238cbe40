/* SPDX-License-Identifier: MIT */
/*
 * kvmtest: the smallest KVM user (statically linked). Creates a VM with one
 * vCPU in real mode whose 12 bytes of code write 'K' and '\n' to port 0x3f8
 * and halt; checks that KVM_RUN reports the two port writes and the HLT.
 * Run inside a KVM guest, its VM is a nested (L2) guest.
 * Prints "KVMTEST: ok" or "KVMTEST: FAIL <why>".
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static int fail(const char *why)
{
	printf("KVMTEST: FAIL %s\n", why);
	return 1;
}

int main(void)
{
	/* mov dx,0x3f8; mov al,'K'; out dx,al; mov al,'\n'; out dx,al; hlt */
	static const uint8_t code[] = { 0xba, 0xf8, 0x03, 0xb0, 'K', 0xee,
					0xb0, '\n', 0xee, 0xf4 };
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return fail("open /dev/kvm");
	int vm = ioctl(kvm, KVM_CREATE_VM, 0UL);
	if (vm < 0)
		return fail("KVM_CREATE_VM");
	uint8_t *mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return fail("mmap");
	memcpy(mem, code, sizeof(code));
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0x1000, .memory_size = 0x1000,
		.userspace_addr = (uint64_t)(uintptr_t)mem,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return fail("KVM_SET_USER_MEMORY_REGION");
	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0UL);
	if (vcpu < 0)
		return fail("KVM_CREATE_VCPU");
	int sz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, NULL);
	struct kvm_run *run = mmap(NULL, (size_t)sz, PROT_READ | PROT_WRITE,
				   MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		return fail("mmap kvm_run");
	struct kvm_sregs sregs;
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return fail("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		return fail("KVM_SET_SREGS");
	struct kvm_regs regs = { .rip = 0x1000, .rflags = 0x2 };
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return fail("KVM_SET_REGS");
	int outs = 0;
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, NULL) < 0)
			return fail("KVM_RUN");
		if (run->exit_reason == KVM_EXIT_IO &&
		    run->io.direction == KVM_EXIT_IO_OUT && run->io.port == 0x3f8) {
			outs++;
			continue;
		}
		if (run->exit_reason == KVM_EXIT_HLT)
			break;
		printf("KVMTEST: FAIL exit_reason %u\n", run->exit_reason);
		return 1;
	}
	if (outs != 2)
		return fail("expected 2 port writes");
	printf("KVMTEST: ok\n");
	return 0;
}
