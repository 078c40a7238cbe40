/* SPDX-License-Identifier: MIT */
/*
 * work: the guest-side workload of the TCG lab (statically linked, runs as a
 * busybox initramfs program inside an L1 or L2 KVM guest). Each round makes
 * the kinds of VM exits the analyses classify: a CPU burst (timer
 * interrupts), a short sleep (HLT), RTC reads (port I/O 0x70/0x71 handled by
 * QEMU in userspace), CPUID, one O_DIRECT virtio-blk read, and a wake-up of
 * a thread on the other vCPU (IPI). Prints "WORK: done" at the end.
 * usage: work [rounds] [disk]
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <fcntl.h>
#include <linux/rtc.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static int ping[2], pong[2];

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void *waker(void *arg)
{
	char c;
	(void)arg;
	pin(1);
	while (read(ping[0], &c, 1) == 1 && c != 'q')
		if (write(pong[1], &c, 1) != 1)
			break;
	return NULL;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 40;
	const char *disk = argc > 2 ? argv[2] : "/dev/vda";
	int rtc = open("/dev/rtc0", O_RDONLY);
	int blk = open(disk, O_RDONLY | O_DIRECT);
	void *buf = NULL;
	pthread_t th;
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);

	if (posix_memalign(&buf, 4096, 4096) != 0)
		return 1;
	if (pipe(ping) || pipe(pong))
		return 1;
	if (ncpu > 1) {
		pin(0);
		pthread_create(&th, NULL, waker, NULL);
	}
	printf("WORK: start rounds=%d cpus=%d rtc=%s disk=%s\n", rounds, ncpu,
	       rtc >= 0 ? "yes" : "no", blk >= 0 ? "yes" : "no");
	fflush(stdout);
	for (int r = 0; r < rounds; r++) {
		double t0 = now_ms();
		volatile unsigned long spin = 0;
		struct timespec nap = { 0, 3 * 1000 * 1000 };
		struct rtc_time tm;
		unsigned a, b, c, d;
		char ch = 'w';

		while (now_ms() - t0 < 5.0)
			spin++;
		nanosleep(&nap, NULL);
		for (int i = 0; i < 4 && rtc >= 0; i++)
			ioctl(rtc, RTC_RD_TIME, &tm);
		for (int i = 0; i < 4; i++)
			__cpuid(0x1, a, b, c, d);
		if (blk >= 0 && pread(blk, buf, 4096, (off_t)(r % 256) * 4096) < 0)
			perror("pread");
		if (ncpu > 1 && write(ping[1], &ch, 1) == 1 && read(pong[0], &ch, 1) != 1)
			perror("pong");
		if (r % 10 == 9) {
			printf("WORK: round %d\n", r + 1);
			fflush(stdout);
		}
	}
	if (ncpu > 1) {
		char q = 'q';
		if (write(ping[1], &q, 1) == 1)
			pthread_join(th, NULL);
	}
	printf("WORK: done\n");
	fflush(stdout);
	free(buf);
	return 0;
}
