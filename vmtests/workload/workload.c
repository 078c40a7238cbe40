/* SPDX-License-Identifier: MIT */
/*
 * workload.c - vmflow-workload, the guest-side workload generator of the
 * vmflow experiments. Each round runs the phases given with --phases, in
 * order, and marks each with a begin/end pair: lttng-ust tracepoints
 * vmflow_workload:phase_begin/phase_end when built with lttng-ust
 * (VMFLOW_WORKLOAD_UST), and always a line on stdout with CLOCK_MONOTONIC
 * nanoseconds (so a static build without lttng-ust still gives the truth).
 * Phases: cpu (busy loop, --cpu-ms), sleep (nanosleep, --sleep-ms; a HLT in
 * a guest), disk (one O_DIRECT read of --disk-bytes from --disk), net (UDP
 * request/response over --net-peer, loopback by default), ipi (wake a
 * thread pinned on another CPU --ipi-count times: reschedule IPIs).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifdef VMFLOW_WORKLOAD_UST
#include "workload_tp.h"
#define MARK_BEGIN(p, r, a) lttng_ust_tracepoint(vmflow_workload, phase_begin, p, r, a)
#define MARK_END(p, r, x) lttng_ust_tracepoint(vmflow_workload, phase_end, p, r, x)
#else
#define MARK_BEGIN(p, r, a) ((void)0)
#define MARK_END(p, r, x) ((void)0)
#endif

struct options {
	int rounds;
	char phases[128];
	long cpu_ms, sleep_ms, disk_bytes, ipi_count;
	const char *disk;
	const char *net_peer;
	int net_port;
	int quiet;
};

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void say(const char *what, const char *phase, int round, long v, const struct options *o)
{
	if (!o->quiet) {
		printf("WORKLOAD %lld %s %s %d %ld\n", now_ns(), what, phase, round, v);
		fflush(stdout);
	}
}

static long phase_cpu(long ms)
{
	long long end = now_ns() + ms * 1000000LL;
	volatile unsigned long x = 0;
	while (now_ns() < end)
		x++;
	return (long)(x & 0x7fffffff);
}

static long phase_sleep(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	return nanosleep(&ts, NULL) == 0 ? 0 : -errno;
}

static long phase_disk(const char *path, long bytes, int round)
{
	void *buf = NULL;
	long got;
	int fd = open(path, O_RDONLY | O_DIRECT);
	if (fd < 0)
		fd = open(path, O_RDONLY); /* tmpfs and some file systems lack O_DIRECT */
	if (fd < 0)
		return -errno;
	if (posix_memalign(&buf, 4096, (size_t)bytes) != 0) {
		close(fd);
		return -ENOMEM;
	}
	got = pread(fd, buf, (size_t)bytes, (off_t)round * bytes);
	if (got == 0)
		got = pread(fd, buf, (size_t)bytes, 0);
	if (got < 0)
		got = -errno;
	free(buf);
	close(fd);
	return got;
}

/* UDP echo: a responder thread answers each datagram on the peer port. */
static int echo_fd = -1;
static void *echo_thread(void *arg)
{
	char b[64];
	struct sockaddr_in from;
	socklen_t fl;
	(void)arg;
	for (;;) {
		fl = sizeof(from);
		ssize_t n = recvfrom(echo_fd, b, sizeof(b), 0, (struct sockaddr *)&from, &fl);
		if (n <= 0 || b[0] == 'q')
			break;
		sendto(echo_fd, b, (size_t)n, 0, (struct sockaddr *)&from, fl);
	}
	return NULL;
}

static long phase_net(int sock, const struct sockaddr_in *peer)
{
	char b[64] = "ping";
	if (sendto(sock, b, 5, 0, (const struct sockaddr *)peer, sizeof(*peer)) < 0)
		return -errno;
	ssize_t n = recv(sock, b, sizeof(b), 0);
	return n < 0 ? -errno : (long)n;
}

/* IPI: a thread pinned on another CPU sleeps on a pipe; each write wakes it. */
static int ipi_req[2], ipi_ack[2];
static void *ipi_thread(void *arg)
{
	char c;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET((int)(long)arg, &set);
	sched_setaffinity(0, sizeof(set), &set);
	while (read(ipi_req[0], &c, 1) == 1 && c != 'q')
		if (write(ipi_ack[1], &c, 1) != 1)
			break;
	return NULL;
}

static long phase_ipi(long count)
{
	long i;
	char c = 'w';
	for (i = 0; i < count; i++) {
		if (write(ipi_req[1], &c, 1) != 1 || read(ipi_ack[0], &c, 1) != 1)
			return -errno;
	}
	return count;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: vmflow-workload [--rounds N] [--phases cpu,sleep,disk,net,ipi] [--cpu-ms MS]\n"
		   "         [--sleep-ms MS] [--disk FILE] [--disk-bytes N] [--net-peer IP] [--net-port P]\n"
		   "         [--ipi-count N] [--quiet]\n");
}

int main(int argc, char **argv)
{
	struct options o = {.rounds = 5, .phases = "cpu,sleep,disk,net,ipi", .cpu_ms = 5,
			    .sleep_ms = 3, .disk_bytes = 4096, .ipi_count = 10,
			    .disk = "/proc/self/exe", .net_peer = NULL, .net_port = 0};
	int i, sock = -1, ncpu;
	pthread_t echo_th, ipi_th;
	struct sockaddr_in peer = {0};
	char *save = NULL, *ph;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--quiet")) { o.quiet = 1; continue; }
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); return 0; }
		if (!v) { usage(stderr); return 2; }
		if (!strcmp(a, "--rounds")) o.rounds = atoi(v);
		else if (!strcmp(a, "--phases")) snprintf(o.phases, sizeof(o.phases), "%s", v);
		else if (!strcmp(a, "--cpu-ms")) o.cpu_ms = atol(v);
		else if (!strcmp(a, "--sleep-ms")) o.sleep_ms = atol(v);
		else if (!strcmp(a, "--disk")) o.disk = v;
		else if (!strcmp(a, "--disk-bytes")) o.disk_bytes = atol(v);
		else if (!strcmp(a, "--net-peer")) o.net_peer = v;
		else if (!strcmp(a, "--net-port")) o.net_port = atoi(v);
		else if (!strcmp(a, "--ipi-count")) o.ipi_count = atol(v);
		else { usage(stderr); return 2; }
		i++;
	}
	if (o.rounds < 1 || o.disk_bytes < 512 || o.disk_bytes % 512) {
		fprintf(stderr, "vmflow-workload: --rounds must be >= 1 and --disk-bytes a multiple of 512\n");
		return 2;
	}
	if (strstr(o.phases, "net")) {
		sock = socket(AF_INET, SOCK_DGRAM, 0);
		peer.sin_family = AF_INET;
		if (!o.net_peer) { /* local echo responder on loopback */
			struct sockaddr_in me = {.sin_family = AF_INET};
			socklen_t ml = sizeof(me);
			me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			echo_fd = socket(AF_INET, SOCK_DGRAM, 0);
			if (echo_fd < 0 || bind(echo_fd, (struct sockaddr *)&me, sizeof(me)) < 0 ||
			    getsockname(echo_fd, (struct sockaddr *)&me, &ml) < 0) {
				perror("vmflow-workload: echo socket");
				return 1;
			}
			peer = me;
			pthread_create(&echo_th, NULL, echo_thread, NULL);
		} else {
			peer.sin_port = htons((unsigned short)o.net_port);
			if (inet_pton(AF_INET, o.net_peer, &peer.sin_addr) != 1) {
				fprintf(stderr, "vmflow-workload: bad --net-peer '%s'\n", o.net_peer);
				return 2;
			}
		}
	}
	ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (strstr(o.phases, "ipi")) {
		if (pipe(ipi_req) || pipe(ipi_ack)) {
			perror("vmflow-workload: pipe");
			return 1;
		}
		pthread_create(&ipi_th, NULL, ipi_thread, (void *)(long)(ncpu > 1 ? 1 : 0));
	}
	say("start", "all", 0, o.rounds, &o);
	for (int r = 0; r < o.rounds; r++) {
		char list[128];
		snprintf(list, sizeof(list), "%s", o.phases);
		for (ph = strtok_r(list, ",", &save); ph; ph = strtok_r(NULL, ",", &save)) {
			long arg = 0, res;
			if (!strcmp(ph, "cpu")) arg = o.cpu_ms;
			else if (!strcmp(ph, "sleep")) arg = o.sleep_ms;
			else if (!strcmp(ph, "disk")) arg = o.disk_bytes;
			else if (!strcmp(ph, "net")) arg = 5;
			else if (!strcmp(ph, "ipi")) arg = o.ipi_count;
			else { fprintf(stderr, "vmflow-workload: unknown phase '%s'\n", ph); return 2; }
			MARK_BEGIN(ph, r, arg);
			say("begin", ph, r, arg, &o);
			if (!strcmp(ph, "cpu")) res = phase_cpu(o.cpu_ms);
			else if (!strcmp(ph, "sleep")) res = phase_sleep(o.sleep_ms);
			else if (!strcmp(ph, "disk")) res = phase_disk(o.disk, o.disk_bytes, r);
			else if (!strcmp(ph, "net")) res = phase_net(sock, &peer);
			else res = phase_ipi(o.ipi_count);
			MARK_END(ph, r, res);
			say("end", ph, r, res, &o);
		}
	}
	if (strstr(o.phases, "ipi")) {
		char q = 'q';
		if (write(ipi_req[1], &q, 1) == 1)
			pthread_join(ipi_th, NULL);
	}
	if (echo_fd >= 0) {
		sendto(sock, "q", 1, 0, (struct sockaddr *)&peer, sizeof(peer));
		pthread_join(echo_th, NULL);
		close(echo_fd);
	}
	if (sock >= 0)
		close(sock);
	say("done", "all", o.rounds, 0, &o);
	return 0;
}
