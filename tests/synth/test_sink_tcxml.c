/* SPDX-License-Identifier: MIT */
/*
 * test_sink_tcxml.c - the Trace Compass XML stub-trace writer: exact text for
 * hand-made events (escaping, broken UTF-8, u64 as Java longs, kernel < 5.10,
 * legacy names, no contexts), validity against TmfXmlDevelopmentTrace.xsd
 * with xmllint, a long trace streamed through the 64 KiB buffer, and errors
 * (events out of order, a full disk).
 */
#include "common/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth/sink.h"

#define XSD VMFLOW_SOURCE_DIR "/exporter/tcxml/xsd/TmfXmlDevelopmentTrace.xsd"

static void make_desc(struct vf_trace_desc *d, bool ctx, enum vf_event_naming naming,
		      const char *release)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->hostname, sizeof(d->hostname), "host--a&b");
	snprintf(d->kernel_release, sizeof(d->kernel_release), "%s", release);
	d->clock_offset_ns = 1000;
	d->cpu_count = 4;
	d->packet_size = 4096;
	d->naming = naming;
	d->pid_tid_context = ctx;
}

/* Writes evs through a tcxml sink into path; returns the file's text (malloc'd). */
static char *write_events(const char *path, const struct vf_trace_desc *d,
			  const struct vf_event *evs, int n, int64_t end_ns)
{
	struct vf_error err = {0};
	FILE *fp = fopen(path, "wb");
	struct vf_sink *s;
	char *text;

	assert_non_null(fp);
	s = vf_sink_tcxml_new(fp, path, d, &err);
	assert_non_null(s);
	for (int i = 0; i < n; i++) {
		assert_int_equal(s->emit(s, &evs[i], &err), VF_OK);
	}
	assert_int_equal(s->finish(s, end_ns, &err), VF_OK);
	s->free(s);
	assert_int_equal(fclose(fp), 0);
	text = vf_test_read_file(path, NULL);
	assert_non_null(text);
	return text;
}

static void expect_valid(const char *path)
{
	char cmd[1024], out[4096];

	snprintf(cmd, sizeof(cmd), "xmllint --noout --schema '%s' '%s' 2>&1", XSD, path);
	assert_int_equal(vf_test_run(cmd, out, sizeof(out)), 0);
}

static void test_exact_text(void **state)
{
	struct vf_trace_desc d;
	struct vf_event ev[4];
	const char *dir = vf_test_tmpdir("tcxml_exact");
	char path[1024];
	char *text;
	static const char expected[] =
	    "<!-- vmflow synth: Trace Compass XML stub trace of host host- -a&b, Linux "
	    "6.1.0-27-amd64, 4 CPUs. Timestamps: ns from the clock origin (offset 1000 ns to the "
	    "monotonic clock). -->\n"
	    "<trace>\n<set_aspects>\n<field name=\"cpu\" value=\"1\" type=\"int\" />\n"
	    "</set_aspects>\n"
	    "<event timestamp=\"1005\" name=\"sched_switch\">\n"
	    "<field name=\"cpu\" value=\"3\" type=\"int\" />\n"
	    "<field name=\"context._pid\" value=\"0\" type=\"long\" />\n"
	    "<field name=\"context._tid\" value=\"0\" type=\"long\" />\n"
	    "<field name=\"prev_comm\" value=\"swapper/3\" type=\"string\" />\n"
	    "<field name=\"prev_tid\" value=\"0\" type=\"long\" />\n"
	    "<field name=\"prev_prio\" value=\"20\" type=\"long\" />\n"
	    "<field name=\"prev_state\" value=\"0\" type=\"long\" />\n"
	    "<field name=\"next_comm\" value=\"a&lt;b&gt;&amp;&quot;c&#9;?\xc3\xa9??\" "
	    "type=\"string\" />\n"
	    "<field name=\"next_tid\" value=\"1001\" type=\"long\" />\n"
	    "<field name=\"next_prio\" value=\"-20\" type=\"long\" />\n"
	    "</event>\n"
	    "<event timestamp=\"1010\" name=\"kvm_x86_entry\">\n"
	    "<field name=\"cpu\" value=\"3\" type=\"int\" />\n"
	    "<field name=\"context._pid\" value=\"1000\" type=\"long\" />\n"
	    "<field name=\"context._tid\" value=\"1001\" type=\"long\" />\n"
	    "<field name=\"vcpu_id\" value=\"0\" type=\"long\" />\n"
	    "</event>\n"
	    "<event timestamp=\"1010\" name=\"kvm_x86_exit\">\n"
	    "<field name=\"cpu\" value=\"3\" type=\"int\" />\n"
	    "<field name=\"context._pid\" value=\"1000\" type=\"long\" />\n"
	    "<field name=\"context._tid\" value=\"1001\" type=\"long\" />\n"
	    "<field name=\"exit_reason\" value=\"48\" type=\"long\" />\n"
	    "<field name=\"guest_rip\" value=\"-2130706432\" type=\"long\" />\n"
	    "<field name=\"isa\" value=\"1\" type=\"int\" />\n"
	    "<field name=\"info1\" value=\"-1\" type=\"long\" />\n"
	    "<field name=\"info2\" value=\"0\" type=\"long\" />\n"
	    "<field name=\"intr_info\" value=\"2147483648\" type=\"long\" />\n"
	    "<field name=\"error_code\" value=\"0\" type=\"long\" />\n"
	    "<field name=\"vcpu_id\" value=\"0\" type=\"long\" />\n"
	    "</event>\n"
	    "<event timestamp=\"1020\" name=\"kvm_x86_inj_virq\">\n"
	    "<field name=\"cpu\" value=\"0\" type=\"int\" />\n"
	    "<field name=\"context._pid\" value=\"-1\" type=\"long\" />\n"
	    "<field name=\"context._tid\" value=\"-1\" type=\"long\" />\n"
	    "<field name=\"irq\" value=\"236\" type=\"long\" />\n"
	    "</event>\n"
	    "</trace>\n";

	(void)state;
	memset(ev, 0, sizeof(ev));
	ev[0].ts_ns = 1005;
	ev[0].cpu = 3;
	ev[0].kind = VF_EV_SCHED_SWITCH;
	ev[0].pid = 0;
	ev[0].tid = 0;
	strcpy(ev[0].u.sched_switch.prev_comm, "swapper/3");
	ev[0].u.sched_switch.prev_prio = 20;
	/* markup, a tab, a stray continuation byte, a whole é, a 3-byte char cut after 2 bytes */
	memcpy(ev[0].u.sched_switch.next_comm, "a<b>&\"c\t\x80\xc3\xa9\xe2\x82", 14);
	ev[0].u.sched_switch.next_tid = 1001;
	ev[0].u.sched_switch.next_prio = -20;
	ev[1].ts_ns = 1010;
	ev[1].cpu = 3;
	ev[1].kind = VF_EV_KVM_ENTRY;
	ev[1].pid = 1000;
	ev[1].tid = 1001;
	ev[2] = ev[1];
	ev[2].kind = VF_EV_KVM_EXIT;
	ev[2].u.kvm_exit.exit_reason = 48;
	ev[2].u.kvm_exit.guest_rip = 0xffffffff81000000ull;
	ev[2].u.kvm_exit.isa = 1;
	ev[2].u.kvm_exit.info1 = UINT64_MAX;
	ev[2].u.kvm_exit.intr_info = 0x80000000u;
	ev[2].u.kvm_exit.has_vcpu_id = true;
	ev[3].ts_ns = 1020;
	ev[3].cpu = 0;
	ev[3].kind = VF_EV_KVM_INJ_VIRQ;
	ev[3].pid = -1;
	ev[3].tid = -1;
	ev[3].u.inj_virq.irq = 236;

	make_desc(&d, true, VF_NAMING_LTTNG_2_13, "6.1.0-27-amd64");
	snprintf(path, sizeof(path), "%s/exact.xml", dir);
	text = write_events(path, &d, ev, 4, 2000);
	assert_string_equal(text, expected); /* u64 all-ones is the Java long -1 */
	free(text);
	expect_valid(path);
}

/* Linux 5.4: kvm_exit without its last three fields; legacy names; no contexts. */
static void test_old_kernel_legacy_no_context(void **state)
{
	struct vf_trace_desc d;
	struct vf_event ev[3];
	const char *dir = vf_test_tmpdir("tcxml_legacy");
	char path[1024];
	char *text, *body;

	(void)state;
	memset(ev, 0, sizeof(ev));
	ev[0].ts_ns = 5;
	ev[0].kind = VF_EV_KVM_ENTRY;
	ev[0].u.kvm_entry.vcpu_id = 2;
	ev[1].ts_ns = 45;
	ev[1].kind = VF_EV_KVM_EXIT;
	ev[1].u.kvm_exit.exit_reason = 32;
	ev[1].u.kvm_exit.guest_rip = 123456;
	ev[1].u.kvm_exit.isa = 1;
	ev[1].u.kvm_exit.info1 = 654654;
	ev[1].u.kvm_exit.info2 = 456789;
	ev[2].ts_ns = 50;
	ev[2].cpu = 1;
	ev[2].kind = VF_EV_NET_DEV_XMIT;
	ev[2].u.net.skbaddr = 0x1000;
	ev[2].u.net.len = 1514;
	strcpy(ev[2].u.net.name, "vnet0");
	make_desc(&d, false, VF_NAMING_LEGACY, "5.4.0-150-generic");
	d.clock_offset_ns = 0;
	snprintf(path, sizeof(path), "%s/legacy.xml", dir);
	text = write_events(path, &d, ev, 3, 60);
	body = strstr(text, "<event ");
	assert_non_null(body);
	/* the same lines as Trace Compass's OneQemuKvm/host.xml for these two events */
	assert_string_equal(body,
			    "<event timestamp=\"5\" name=\"kvm_entry\">\n"
			    "<field name=\"cpu\" value=\"0\" type=\"int\" />\n"
			    "<field name=\"vcpu_id\" value=\"2\" type=\"long\" />\n"
			    "</event>\n"
			    "<event timestamp=\"45\" name=\"kvm_exit\">\n"
			    "<field name=\"cpu\" value=\"0\" type=\"int\" />\n"
			    "<field name=\"exit_reason\" value=\"32\" type=\"long\" />\n"
			    "<field name=\"guest_rip\" value=\"123456\" type=\"long\" />\n"
			    "<field name=\"isa\" value=\"1\" type=\"int\" />\n"
			    "<field name=\"info1\" value=\"654654\" type=\"long\" />\n"
			    "<field name=\"info2\" value=\"456789\" type=\"long\" />\n"
			    "</event>\n"
			    "<event timestamp=\"50\" name=\"net_dev_xmit\">\n"
			    "<field name=\"cpu\" value=\"1\" type=\"int\" />\n"
			    "<field name=\"skbaddr\" value=\"4096\" type=\"long\" />\n"
			    "<field name=\"rc\" value=\"0\" type=\"long\" />\n"
			    "<field name=\"len\" value=\"1514\" type=\"long\" />\n"
			    "<field name=\"name\" value=\"vnet0\" type=\"string\" />\n"
			    "</event>\n"
			    "</trace>\n");
	free(text);
	expect_valid(path);
}

/* Every event kind, many times (several MiB through the 64 KiB buffer): valid, counted. */
static void test_every_kind_streamed(void **state)
{
	struct vf_trace_desc d;
	struct vf_error err = {0};
	const char *dir = vf_test_tmpdir("tcxml_stream");
	char path[1024], cmd[2048], out[256];
	FILE *fp;
	struct vf_sink *s;
	const int rounds = 500;
	int n = 0;

	(void)state;
	make_desc(&d, true, VF_NAMING_LTTNG_2_13, "6.8.0");
	snprintf(path, sizeof(path), "%s/all.xml", dir);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	s = vf_sink_tcxml_new(fp, path, &d, &err);
	assert_non_null(s);
	for (int r = 0; r < rounds; r++) {
		for (int k = VF_EV_OTHER + 1; k < VF_EV_KIND_COUNT; k++) {
			struct vf_event ev;

			memset(&ev, 0, sizeof(ev));
			ev.ts_ns = 1000 + n;
			ev.cpu = (uint32_t)(n % 4);
			ev.kind = (enum vf_event_kind)k;
			ev.pid = 1000;
			ev.tid = 1000 + r;
			if (k == VF_EV_SCHED_SWITCH) {
				strcpy(ev.u.sched_switch.prev_comm, "CPU 0/KVM");
				strcpy(ev.u.sched_switch.next_comm, "swapper/0");
			}
			if (k == VF_EV_NET_IF_RX || k == VF_EV_NET_DEV_XMIT) {
				strcpy(ev.u.net.name, "vnet0");
			}
			assert_int_equal(s->emit(s, &ev, &err), VF_OK);
			n++;
		}
	}
	assert_int_equal(s->finish(s, 1000 + n, &err), VF_OK);
	s->free(s);
	assert_int_equal(fclose(fp), 0);
	expect_valid(path);
	snprintf(cmd, sizeof(cmd), "grep -c '^<event ' '%s'", path);
	assert_int_equal(vf_test_run(cmd, out, sizeof(out)), 0);
	assert_int_equal(atoi(out), rounds * (VF_EV_KIND_COUNT - 1));
	snprintf(cmd, sizeof(cmd), "grep -c '^<event [^>]* name=\"kvm_x86_nested_vmexit_inject\">' '%s'",
		 path);
	assert_int_equal(vf_test_run(cmd, out, sizeof(out)), 0);
	assert_int_equal(atoi(out), rounds);
}

static void test_errors(void **state)
{
	struct vf_trace_desc d;
	struct vf_error err = {0};
	struct vf_event ev;
	struct vf_sink *s;
	FILE *fp;

	(void)state;
	make_desc(&d, true, VF_NAMING_LTTNG_2_13, "6.1.0");
	memset(&ev, 0, sizeof(ev));
	ev.kind = VF_EV_KVM_ENTRY;

	/* time going backwards is a bug in the simulator: refused */
	fp = tmpfile();
	assert_non_null(fp);
	s = vf_sink_tcxml_new(fp, "t.xml", &d, &err);
	ev.ts_ns = 100;
	assert_int_equal(s->emit(s, &ev, &err), VF_OK);
	ev.ts_ns = 99;
	assert_int_equal(s->emit(s, &ev, &err), VF_ERR_INTERNAL);
	assert_string_equal(err.where, "t.xml");
	assert_string_equal(err.msg, "event at 99 ns is before the previous one at 100 ns");
	s->free(s);
	fclose(fp);

	/* a full disk: the error names the file and the cause */
	fp = fopen("/dev/full", "wb");
	if (!fp) {
		skip();
	}
	vf_error_clear(&err);
	s = vf_sink_tcxml_new(fp, "full.xml", &d, &err);
	ev.ts_ns = 1;
	for (int i = 0; i < 5000 && err.status == VF_OK; i++) {
		(void)s->emit(s, &ev, &err);
	}
	if (err.status == VF_OK) {
		(void)s->finish(s, 2, &err);
	}
	assert_int_equal(err.status, VF_ERR_IO);
	assert_string_equal(err.where, "full.xml");
	assert_non_null(strstr(err.msg, "No space left on device"));
	s->free(s);
	fclose(fp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exact_text),
	    cmocka_unit_test(test_old_kernel_legacy_no_context),
	    cmocka_unit_test(test_every_kind_streamed),
	    cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
