/* SPDX-License-Identifier: MIT */
/*
 * devices.c - the host threads that serve a guest's virtio devices: the
 * QEMU I/O thread (tid == pid, comm qemu-system-x86) for the disk and the
 * vhost thread (vhost-<pid>) for the network.
 *
 * A request (a vCPU's queue-notify exit) is queued on the device thread;
 * an idle thread is woken by the vCPU thread (sched_waking in its context,
 * as KVM's ioeventfd does). The thread then, per request:
 *   submit:   disk syscall_entry_preadv / _pwritev, net net_dev_xmit; it
 *             blocks (prev_state 1) for the device latency;
 *   complete: woken (sched_waking in the context of whatever runs on its
 *             CPU: the device interrupt), disk syscall_exit_p*v (ret =
 *             bytes), net net_if_rx; then kvm_x86_apic_accept_irq(vector)
 *             and the wake-up of the vCPU (vf_sim_vcpu_kick), in its own
 *             context.
 * The first disk.irq_first completions raise the guest interrupt from IRQ
 * context instead (accept_irq and the vCPU's sched_waking in the context of
 * the thread running on the device thread's CPU): an analysis that learns
 * the disk vector from the I/O thread has not learned it yet.
 * With no request left, the I/O thread resumes its own activity
 * (main_thread) and vhost sleeps until the next request.
 *
 * Inter-VM network (net.peer): the client's vhost thread, after its
 * net_dev_xmit, wakes the peer VM's vhost thread (sched_waking in its own
 * context) instead of waiting for the outside world. The peer's vhost
 * thread receives (net_if_rx on its interface), raises its VM's net vector
 * on one of its vCPUs (round robin) and sleeps while that guest answers
 * (the peer's net.latency); then it transmits the answer (net_dev_xmit) and
 * wakes the client's vhost thread, which completes the request as usual.
 *
 * Owns nothing (the queues belong to the threads, freed by sim.c).
 */
#include "synth/sim_internal.h"

#include <string.h>

#define QEMU_DISK_FD   12
#define QEMU_IOVEC_PTR 0x7f3a5c000000ull
#define SKB_BASE       0xffff888100000000ull

static uint32_t dev_head(const struct vf_sim_thread *th)
{
	return th->dev_queue[th->dev_head];
}

static void dev_pop(struct vf_sim_thread *th)
{
	th->dev_head = (th->dev_head + 1) % th->dev_cap;
	th->dev_len--;
}

/* Small CPU costs of the device thread: the host's block latency distribution. */
static int64_t dev_cpu(struct vf_sim *s, struct vf_sim_thread *th)
{
	return vf_sim_latency(th, &s->scn->host.latency.block);
}

enum vf_status vf_sim_dev_request(struct vf_sim *s, struct vf_sim_thread *dev,
                                  struct vf_sim_thread *vcpu)
{
	uint32_t i;

	for (i = 0; i < dev->dev_len; i++) {
		if (dev->dev_queue[(dev->dev_head + i) % dev->dev_cap] ==
		    vf_sim_thread_index(s, vcpu)) {
			return VF_OK; /* already queued (at most one request per vCPU) */
		}
	}
	if (dev->dev_len == dev->dev_cap) {
		VF_ERROR_SET(s->err, VF_ERR_INTERNAL, NULL, "simulator: device queue full");
		return VF_ERR_INTERNAL;
	}
	dev->dev_queue[(dev->dev_head + dev->dev_len) % dev->dev_cap] =
	    vf_sim_thread_index(s, vcpu);
	dev->dev_len++;
	if (dev->state == VF_SIM_TS_BLOCKED && !dev->dev_busy) {
		dev->gen++; /* its own sleep is cut short */
		dev->woken_once = true;
		dev->work_left_ns = dev_cpu(s, dev);
		return vf_sim_wake_by(s, dev, vcpu->cpu);
	}
	return VF_OK; /* busy: served after the current request or burst */
}

static uint64_t skb(struct vf_sim_thread *th)
{
	return SKB_BASE + (vf_rng_below(&th->rng, 1u << 20) << 8);
}

/* A packet from another VM arrives for peer server srv (woken from waker_cpu if idle). */
static enum vf_status peer_deliver(struct vf_sim *s, struct vf_sim_thread *srv, uint32_t requester,
                                   uint32_t waker_cpu)
{
	if (srv->dev_len == srv->dev_cap) {
		VF_ERROR_SET(s->err, VF_ERR_INTERNAL, NULL, "simulator: peer queue full");
		return VF_ERR_INTERNAL;
	}
	srv->dev_queue[(srv->dev_head + srv->dev_len) % srv->dev_cap] = requester;
	srv->dev_len++;
	if (srv->state == VF_SIM_TS_BLOCKED && !srv->peer_waiting && !srv->peer_reply) {
		srv->gen++;
		srv->woken_once = true;
		srv->work_left_ns = dev_cpu(s, srv);
		return vf_sim_wake_by(s, srv, waker_cpu);
	}
	return VF_OK;
}

/* The client's request is answered: its vhost thread is woken by the peer's (on cpu). */
static enum vf_status peer_complete(struct vf_sim *s, struct vf_sim_thread *client, uint32_t cpu)
{
	if (client->state != VF_SIM_TS_BLOCKED || !client->dev_busy) {
		VF_ERROR_SET(s->err, VF_ERR_INTERNAL, NULL, "simulator: peer answer to a busy thread");
		return VF_ERR_INTERNAL;
	}
	client->dev_busy = false;
	client->dev_completing = true;
	client->work_left_ns = dev_cpu(s, client);
	client->dev_done_count++;
	client->woken_once = true;
	client->gen++;
	return vf_sim_wake_by(s, client, cpu);
}

static enum vf_status net_event(struct vf_sim *s, struct vf_sim_thread *th, enum vf_event_kind kind)
{
	struct vf_event *ev;

	ev = vf_sim_event_new(s, kind, th->cpu);
	ev->u.net.skbaddr = skb(th);
	ev->u.net.len = th->dev->bytes;
	snprintf(ev->u.net.name, sizeof(ev->u.net.name), "%s", th->dev->ifname);
	return vf_sim_emit(s, ev);
}

/* A peer server's step: answer the head request, or receive it and let its guest work. */
static enum vf_status peer_step(struct vf_sim *s, struct vf_sim_thread *th)
{
	const struct vf_sim_vm *svm = &s->vms[th->vm_index];
	struct vf_sim_thread *requester, *vcpu;
	enum vf_status st;

	if (th->peer_reply) {
		th->peer_reply = false;
		requester = &s->threads[dev_head(th)];
		if ((st = net_event(s, th, VF_EV_NET_DEV_XMIT)) != VF_OK ||
		    (st = peer_complete(s, &s->threads[s->vms[requester->vm_index].vhost], th->cpu)) !=
		        VF_OK) {
			return st;
		}
		dev_pop(th);
	}
	if (th->dev_len == 0) {
		th->work_left_ns = 0;
		return vf_sim_block(s, th, VF_TRUTH_OFF_WAIT_HOST);
	}
	/* receive the next packet: its guest is interrupted, then answers after net.latency */
	vcpu = &s->threads[svm->first_vcpu + th->peer_rr++ % th->vm->vcpu_count];
	if ((st = net_event(s, th, VF_EV_NET_IF_RX)) != VF_OK ||
	    (st = vf_sim_emit_accept_irq(s, th->cpu, vcpu, th->dev->vector)) != VF_OK ||
	    (st = vf_sim_vcpu_kick(s, vcpu, th->dev->vector, VF_TRUTH_WAKE_NET, th->cpu)) != VF_OK) {
		return st;
	}
	th->work_left_ns = 0;
	if ((st = vf_sim_block(s, th, VF_TRUTH_OFF_WAIT_HOST)) != VF_OK) {
		return st;
	}
	th->peer_waiting = true;
	return vf_sim_push(s, s->now + vf_sim_latency(th, &th->dev->latency), VF_SIM_ACT_PEER_REPLY,
	                   vf_sim_thread_index(s, th), th->gen);
}

enum vf_status vf_sim_peer_reply(struct vf_sim *s, uint32_t id, uint64_t gen)
{
	struct vf_sim_thread *th = &s->threads[id];

	if (gen != th->gen || th->state != VF_SIM_TS_BLOCKED || !th->peer_waiting) {
		return VF_OK;
	}
	th->peer_waiting = false;
	th->peer_reply = true;
	th->work_left_ns = dev_cpu(s, th);
	th->woken_once = true;
	return vf_sim_wake(s, th);
}

static enum vf_status submit(struct vf_sim *s, struct vf_sim_thread *th)
{
	const struct vf_scn_device *d = th->dev;
	struct vf_event *ev;
	enum vf_status st;

	if (th->dev_is_net) {
		ev = vf_sim_event_new(s, VF_EV_NET_DEV_XMIT, th->cpu);
		ev->u.net.skbaddr = skb(th);
		ev->u.net.len = d->bytes;
		snprintf(ev->u.net.name, sizeof(ev->u.net.name), "%s", d->ifname);
	} else {
		th->dev_write = vf_rng_double(&th->rng) < d->write_share;
		ev = vf_sim_event_new(
		    s, th->dev_write ? VF_EV_SYSCALL_ENTRY_PWRITEV : VF_EV_SYSCALL_ENTRY_PREADV,
		    th->cpu);
		ev->u.syscall_rw.fd = QEMU_DISK_FD;
		ev->u.syscall_rw.vec = QEMU_IOVEC_PTR + (vf_rng_below(&th->rng, 4096) << 4);
		ev->u.syscall_rw.vlen = 1;
		ev->u.syscall_rw.pos = (int64_t)(vf_rng_below(&th->rng, 1u << 22) * d->bytes);
	}
	if ((st = vf_sim_emit(s, ev)) != VF_OK) {
		return st;
	}
	th->work_left_ns = 0;
	if (th->dev_is_net && d->peer >= 0) {
		/* the packet goes to the peer VM's vhost thread, woken from here */
		struct vf_sim_thread *srv = &s->threads[s->vms[d->peer].vhost];

		if ((st = peer_deliver(s, srv, dev_head(th), th->cpu)) != VF_OK) {
			return st;
		}
		th->dev_busy = true;
		return vf_sim_block(s, th, VF_TRUTH_OFF_WAIT_HOST);
	}
	if ((st = vf_sim_block(s, th, VF_TRUTH_OFF_WAIT_HOST)) != VF_OK) {
		return st;
	}
	th->dev_busy = true;
	return vf_sim_push(s, s->now + vf_sim_latency(th, &d->latency), VF_SIM_ACT_DEV_DONE,
	                   vf_sim_thread_index(s, th), th->gen);
}

/* The guest interrupt of a completed request, raised on cpu in its current context. */
static enum vf_status raise(struct vf_sim *s, struct vf_sim_thread *th, uint32_t cpu)
{
	struct vf_sim_thread *vcpu = &s->threads[dev_head(th)];
	enum vf_status st;

	if ((st = vf_sim_emit_accept_irq(s, cpu, vcpu, th->dev->vector)) != VF_OK) {
		return st;
	}
	return vf_sim_vcpu_kick(s, vcpu, th->dev->vector,
	                        th->dev_is_net ? VF_TRUTH_WAKE_NET : VF_TRUTH_WAKE_DISK, cpu);
}

static enum vf_status complete(struct vf_sim *s, struct vf_sim_thread *th)
{
	struct vf_event *ev;
	enum vf_status st;

	if (th->dev_is_net) {
		ev = vf_sim_event_new(s, VF_EV_NET_IF_RX, th->cpu);
		ev->u.net.skbaddr = skb(th);
		ev->u.net.len = th->dev->bytes;
		snprintf(ev->u.net.name, sizeof(ev->u.net.name), "%s", th->dev->ifname);
	} else {
		ev = vf_sim_event_new(
		    s, th->dev_write ? VF_EV_SYSCALL_EXIT_PWRITEV : VF_EV_SYSCALL_EXIT_PREADV,
		    th->cpu);
		ev->u.syscall_rw.ret = th->dev->bytes;
		ev->u.syscall_rw.vec = QEMU_IOVEC_PTR;
	}
	if ((st = vf_sim_emit(s, ev)) != VF_OK) {
		return st;
	}
	if (!th->dev_irq_done && (st = raise(s, th, th->cpu)) != VF_OK) {
		return st;
	}
	th->dev_irq_done = false;
	dev_pop(th);
	return VF_OK;
}

enum vf_status vf_sim_dev_step(struct vf_sim *s, struct vf_sim_thread *th)
{
	enum vf_status st;

	if (th->dev_is_net && th->dev->serves_peer) {
		return peer_step(s, th);
	}
	if (th->dev_completing) {
		th->dev_completing = false;
		if ((st = complete(s, th)) != VF_OK) {
			return st;
		}
		if (th->dev_len > 0) {
			/* the next request after a little work */
			th->run_start_ns = s->now;
			return vf_sim_schedule_step(s, th, VF_SIM_STEP_BURST_END,
			                            s->now + dev_cpu(s, th));
		}
		th->work_left_ns = 0;
		return vf_sim_proc_rest(s, th);
	}
	if (th->dev_len > 0) {
		return submit(s, th);
	}
	return vf_sim_proc_rest(s, th);
}

enum vf_status vf_sim_dev_done(struct vf_sim *s, uint32_t id, uint64_t gen)
{
	struct vf_sim_thread *th = &s->threads[id];
	struct vf_sim_thread *curr;
	enum vf_status st;

	if (gen != th->gen || th->state != VF_SIM_TS_BLOCKED || !th->dev_busy) {
		return VF_OK;
	}
	th->dev_busy = false;
	th->dev_completing = true;
	th->work_left_ns = dev_cpu(s, th);
	if (!th->dev_is_net && th->dev_done_count < th->dev->irq_first) {
		/* the device interrupt: a vCPU in guest mode on that CPU exits first */
		curr = s->cpus[th->cpu].curr;
		if (curr && curr->kind == VF_SIM_TH_VCPU && curr->in_guest &&
		    (st = vf_sim_vcpu_interrupt(s, curr)) != VF_OK) {
			return st;
		}
		if ((st = raise(s, th, th->cpu)) != VF_OK) {
			return st;
		}
		th->dev_irq_done = true;
	}
	th->dev_done_count++;
	th->woken_once = true;
	return vf_sim_wake(s, th);
}
