/* SPDX-License-Identifier: MIT */
/*
 * test_event_check.c - input/event_check.c: per-stream timestamp order and
 * the fields an interpreted event class must have (docs/bad-input.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "input/event_check.h"

static struct vf_event ev_at(int64_t ts, uint32_t cpu, const char *name)
{
	struct vf_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.ts_ns = ts;
	ev.cpu = cpu;
	ev.name = name;
	ev.kind = vf_event_kind_from_name(name);
	return ev;
}

static void test_order_accepts_increasing_and_equal_timestamps(void **state)
{
	struct vf_stream_order o;
	struct vf_error err;
	struct vf_event a = ev_at(100, 0, "sched_switch");
	struct vf_event b = ev_at(100, 0, "kvm_x86_entry");
	struct vf_event c = ev_at(250, 0, "kvm_x86_exit");

	(void)state;
	memset(&o, 0, sizeof(o));
	vf_error_clear(&err);
	assert_int_equal(vf_stream_order_check(&o, &a, "t", "t/channel0_0", &err), VF_OK);
	assert_int_equal(vf_stream_order_check(&o, &b, "t", "t/channel0_0", &err), VF_OK);
	assert_int_equal(vf_stream_order_check(&o, &c, "t", "t/channel0_0", &err), VF_OK);
	assert_int_equal(err.status, VF_OK);
	assert_int_equal(o.count, 3);
	assert_int_equal(o.last_ts_ns, 250);
}

static void test_order_first_event_may_be_anything(void **state)
{
	struct vf_stream_order o;
	struct vf_error err;
	struct vf_event a = ev_at(INT64_MIN, 3, "sched_switch");

	(void)state;
	memset(&o, 0, sizeof(o));
	vf_error_clear(&err);
	assert_int_equal(vf_stream_order_check(&o, &a, "t", NULL, &err), VF_OK);
	assert_true(o.seen);
}

static void test_order_backwards_names_the_stream_file_and_both_times(void **state)
{
	struct vf_stream_order o;
	struct vf_error err;
	struct vf_event a = ev_at(5000, 2, "kvm_x86_exit");
	struct vf_event b = ev_at(4500, 2, "kvm_x86_entry");

	(void)state;
	memset(&o, 0, sizeof(o));
	vf_error_clear(&err);
	assert_int_equal(vf_stream_order_check(&o, &a, "/tr", "/tr/channel0_2", &err), VF_OK);
	assert_int_equal(vf_stream_order_check(&o, &b, "/tr", "/tr/channel0_2", &err),
	                 VF_ERR_INPUT);
	assert_int_equal(err.status, VF_ERR_INPUT);
	assert_string_equal(err.where, "/tr");
	assert_string_equal(
	    err.msg, "/tr/channel0_2: timestamps go backwards: kvm_x86_entry at 4500 ns (cpu 2) "
	             "is 500 ns earlier than the previous event of this stream (5000 ns); the "
	             "stream is corrupt");
	/* The state keeps the last good event. */
	assert_int_equal(o.last_ts_ns, 5000);
	assert_int_equal(o.count, 1);
}

static void test_order_backwards_without_file_names_the_cpu(void **state)
{
	struct vf_stream_order o;
	struct vf_error err;
	struct vf_event a = ev_at(INT64_MAX, 7, "x");
	struct vf_event b = ev_at(INT64_MIN, 7, "");

	(void)state;
	memset(&o, 0, sizeof(o));
	vf_error_clear(&err);
	assert_int_equal(vf_stream_order_check(&o, &a, "t", NULL, &err), VF_OK);
	assert_int_equal(vf_stream_order_check(&o, &b, "t", NULL, &err), VF_ERR_INPUT);
	/* INT64_MAX - INT64_MIN = 2^64 - 1: no overflow. */
	assert_string_equal(err.msg,
	                    "timestamps go backwards in the stream of cpu 7: an event at "
	                    "-9223372036854775808 ns is 18446744073709551615 ns earlier than the "
	                    "previous event of that stream (9223372036854775807 ns); the stream is "
	                    "corrupt");
}

static void test_field_required_table(void **state)
{
	(void)state;
	assert_true(vf_event_field_required(VF_EV_KVM_EXIT, "exit_reason"));
	assert_true(vf_event_field_required(VF_EV_KVM_EXIT, "isa"));
	assert_false(vf_event_field_required(VF_EV_KVM_EXIT, "vcpu_id")); /* before Linux 5.10 */
	assert_false(vf_event_field_required(VF_EV_KVM_EXIT, "guest_rip"));
	assert_true(vf_event_field_required(VF_EV_KVM_ENTRY, "vcpu_id"));
	assert_true(vf_event_field_required(VF_EV_SCHED_SWITCH, "prev_tid"));
	assert_true(vf_event_field_required(VF_EV_SCHED_SWITCH, "prev_state"));
	assert_true(vf_event_field_required(VF_EV_SCHED_SWITCH, "next_tid"));
	assert_false(vf_event_field_required(VF_EV_SCHED_SWITCH, "prev_prio"));
	assert_true(
	    vf_event_field_required(VF_EV_SCHED_TTWU, "tid")); /* the thesis' probe: tid only */
	assert_false(vf_event_field_required(VF_EV_SCHED_TTWU, "comm"));
	assert_true(vf_event_field_required(VF_EV_KVM_INJ_VIRQ, "irq"));
	assert_false(vf_event_field_required(VF_EV_OTHER, "irq"));
	assert_false(vf_event_field_required(VF_EV_KVM_HYPERCALL, "nr"));
	assert_false(vf_event_field_required(VF_EV_KVM_EXIT, NULL));
}

static void test_required_fields_list(void **state)
{
	const char *const *f = vf_event_required_fields(VF_EV_KVM_EXIT);

	(void)state;
	assert_string_equal(f[0], "exit_reason");
	assert_string_equal(f[1], "isa");
	assert_null(f[2]);
	f = vf_event_required_fields(VF_EV_SCHED_SWITCH);
	assert_string_equal(f[0], "prev_tid");
	assert_string_equal(f[1], "prev_state");
	assert_string_equal(f[2], "next_tid");
	assert_null(f[3]);
	assert_null(vf_event_required_fields(VF_EV_OTHER)[0]);
	assert_null(vf_event_required_fields(VF_EV_KVM_HYPERCALL)[0]);
}

static void test_field_missing_required_is_bad_input(void **state)
{
	struct vf_error err;

	(void)state;
	vf_error_clear(&err);
	assert_int_equal(vf_event_check_field(VF_EV_KVM_EXIT, "kvm_x86_exit", "exit_reason",
	                                      VF_FIELD_CHECK_MISSING, NULL, false, "/tr", &err),
	                 VF_ERR_INPUT);
	assert_string_equal(err.where, "/tr");
	assert_string_equal(err.msg,
	                    "event class `kvm_x86_exit` has no field `exit_reason`: vmflow cannot "
	                    "interpret its events without it (not the lttng-modules layout)");
}

static void test_field_missing_optional_is_fine(void **state)
{
	struct vf_error err;

	(void)state;
	vf_error_clear(&err);
	assert_int_equal(vf_event_check_field(VF_EV_KVM_EXIT, "kvm_exit", "vcpu_id",
	                                      VF_FIELD_CHECK_MISSING, NULL, false, "/tr", &err),
	                 VF_OK);
	assert_int_equal(vf_event_check_field(VF_EV_KVM_EXIT, "kvm_x86_exit", "exit_reason",
	                                      VF_FIELD_CHECK_OK, NULL, false, "/tr", &err),
	                 VF_OK);
	assert_int_equal(err.status, VF_OK);
}

static void test_field_wrong_type_is_bad_input_even_when_optional(void **state)
{
	struct vf_error err;

	(void)state;
	vf_error_clear(&err);
	assert_int_equal(vf_event_check_field(VF_EV_KVM_EXIT, "kvm_x86_exit", "exit_reason",
	                                      VF_FIELD_CHECK_WRONG_TYPE, "a string", false, "/tr",
	                                      &err),
	                 VF_ERR_INPUT);
	assert_string_equal(err.msg,
	                    "event class `kvm_x86_exit`: field `exit_reason` is a string, vmflow "
	                    "needs an integer");
	vf_error_clear(&err);
	assert_int_equal(vf_event_check_field(VF_EV_SCHED_SWITCH, "sched_switch", "prev_comm",
	                                      VF_FIELD_CHECK_WRONG_TYPE, NULL, true, "/tr", &err),
	                 VF_ERR_INPUT);
	assert_string_equal(
	    err.msg, "event class `sched_switch`: field `prev_comm` has a type vmflow cannot "
	             "read (it needs a string or a char array)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_order_accepts_increasing_and_equal_timestamps),
	    cmocka_unit_test(test_order_first_event_may_be_anything),
	    cmocka_unit_test(test_order_backwards_names_the_stream_file_and_both_times),
	    cmocka_unit_test(test_order_backwards_without_file_names_the_cpu),
	    cmocka_unit_test(test_field_required_table),
	    cmocka_unit_test(test_required_fields_list),
	    cmocka_unit_test(test_field_missing_required_is_bad_input),
	    cmocka_unit_test(test_field_missing_optional_is_fine),
	    cmocka_unit_test(test_field_wrong_type_is_bad_input_even_when_optional),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
