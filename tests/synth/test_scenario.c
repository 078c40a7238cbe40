/* SPDX-License-Identifier: MIT */
/*
 * test_scenario.c - the YAML scenario parser: defaults, every key's value,
 * PID allocation, and errors with file:line:col naming the key.
 */
#include "common/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/exit_reasons.h"
#include "synth/scenario.h"

static struct vf_scenario *parse(const char *text, struct vf_error *err)
{
	vf_error_clear(err);
	return vf_scenario_new_from_string(text, strlen(text), "t.yaml", err);
}

/* Parses text, expects failure with exactly this where and msg. */
static void expect_error(const char *text, const char *where, const char *msg)
{
	struct vf_error err;
	struct vf_scenario *scn = parse(text, &err);

	if (scn) {
		vf_scenario_free(scn);
		fail_msg("parsed but expected error '%s: %s'", where, msg);
	}
	assert_int_equal(err.status, VF_ERR_INPUT);
	assert_string_equal(err.where, where);
	assert_string_equal(err.msg, msg);
}

static void test_scenario_empty_file_is_all_defaults(void **state)
{
	struct vf_error err;
	struct vf_scenario *scn = parse("", &err);

	(void)state;
	assert_non_null(scn);
	assert_int_equal(scn->seed, 1);
	assert_int_equal(scn->duration_ns, 1000000000);
	assert_int_equal(scn->host.cpu_count, 4);
	assert_string_equal(scn->host.hostname, "vmflow-host");
	assert_string_equal(scn->host.kernel_release, "6.1.0-27-amd64");
	assert_int_equal(scn->host.slice_ns, 4000000);
	assert_int_equal(scn->host.latency.wakeup.kind, VF_DIST_UNIFORM);
	assert_int_equal(scn->host.latency.wakeup.min_ns, 2000);
	assert_int_equal(scn->host.latency.wakeup.max_ns, 6000);
	assert_int_equal(scn->host.process_count, 0);
	assert_int_equal(scn->vm_count, 0);
	assert_int_equal(scn->trace.naming, VF_NAMING_LTTNG_2_13);
	assert_int_equal(scn->trace.packet_size, 262144);
	assert_true(scn->trace.contexts);
	assert_int_equal(scn->trace.clock_offset_ns, 1767225600LL * 1000000000LL);
	vf_scenario_free(scn);
}

static void test_scenario_vm_defaults(void **state)
{
	struct vf_error err;
	struct vf_scenario *scn = parse("vms:\n  - {}\n", &err);
	const struct vf_scn_vm *vm;

	(void)state;
	assert_non_null(scn);
	assert_int_equal(scn->vm_count, 1);
	vm = &scn->vms[0];
	assert_string_equal(vm->name, "vm0");
	assert_int_equal(vm->pid, 1000);
	assert_int_equal(vm->vcpu_count, 1);
	assert_int_equal(vm->isa, VF_ISA_VMX);
	assert_true(vf_cpuset_has(&vm->vcpu_affinity[0], 0));
	assert_true(vf_cpuset_has(&vm->vcpu_affinity[0], 3));
	assert_false(vf_cpuset_has(&vm->vcpu_affinity[0], 4));
	assert_int_equal(vm->guest_burst.kind, VF_DIST_EXP);
	assert_int_equal(vm->guest_burst.mean_ns, 2000000);
	assert_int_equal(vm->guest_idle.mean_ns, 2000000);
	assert_int_equal(vm->guest_tick_ns, 4000000);
	assert_int_equal(vm->timer_vector, 236);
	assert_int_equal(vm->exit_count, 4);
	assert_int_equal(vm->exits[0].reason, 48); /* EPT_VIOLATION */
	assert_true(vm->exits[0].weight == 5.0);
	assert_int_equal(vm->exits[1].reason, 32); /* MSR_WRITE */
	assert_int_equal(vm->exits[2].reason, 30); /* IO_INSTRUCTION */
	assert_int_equal(vm->exits[3].reason, 10); /* CPUID */
	assert_int_equal(vm->exit_interval.kind, VF_DIST_EXP);
	assert_int_equal(vm->exit_interval.mean_ns, 40000);
	assert_int_equal(vm->exit_handling.mean_ns, 4000);
	assert_int_equal(vm->exit_handling.min_ns, 1000);
	assert_int_equal(vm->exit_handling.max_ns, 20000);
	assert_true(vm->main_thread_runs);
	vf_scenario_free(scn);
}

static void test_scenario_every_key(void **state)
{
	static const char text[] =
	    "seed: 42\n"
	    "duration: 250ms\n"
	    "host:\n"
	    "  cpus: 8\n"
	    "  hostname: h1\n"
	    "  kernel_release: 5.15.0-1-amd64\n"
	    "  kernel_version: '#1 SMP'\n"
	    "  slice: 3ms\n"
	    "  latency: {wakeup: 1us, vcpu_load: {dist: uniform, min: 1us, max: 2us},\n"
	    "            inject: 300ns, block: 2us, interrupt: 900}\n"
	    "  processes:\n"
	    "    - name: stress\n"
	    "      count: 3\n"
	    "      cpu_burst: {dist: normal, mean: 2ms, stddev: 500us, min: 100us}\n"
	    "      sleep: 0\n"
	    "      affinity: [6, 7]\n"
	    "vms:\n"
	    "  - name: db\n"
	    "    pid: 5000\n"
	    "    vcpus: 2\n"
	    "    affinity: [[0], [1, 2]]\n"
	    "    isa: svm\n"
	    "    guest: {cpu_burst: 5ms, idle: {dist: exp, mean: 1ms, max: 4ms}, tick: 0,\n"
	    "            timer_vector: 239}\n"
	    "    exits: {NPF: 2, IOIO: 0.5, rate: 30us, handling: {dist: exp, mean: 3us}}\n"
	    "    main_thread: none\n"
	    "  - vcpus: 3\n"
	    "    affinity: [4, 5]\n"
	    "    exits: {rate: {dist: uniform, min: 10us, max: 30us}}\n"
	    "    main_thread: {cpu_burst: 10us, sleep: 5ms}\n"
	    "trace: {naming: legacy, packet_size: 8192, contexts: false, clock_offset: 1000s}\n";
	struct vf_error err;
	struct vf_scenario *scn = parse(text, &err);
	const struct vf_scn_vm *vm;
	const struct vf_scn_process *p;

	(void)state;
	if (!scn) {
		fail_msg("%s: %s", err.where, err.msg);
	}
	assert_int_equal(scn->seed, 42);
	assert_int_equal(scn->duration_ns, 250000000);
	assert_int_equal(scn->host.cpu_count, 8);
	assert_string_equal(scn->host.hostname, "h1");
	assert_string_equal(scn->host.kernel_release, "5.15.0-1-amd64");
	assert_string_equal(scn->host.kernel_version, "#1 SMP");
	assert_int_equal(scn->host.slice_ns, 3000000);
	assert_int_equal(scn->host.latency.wakeup.kind, VF_DIST_CONST);
	assert_int_equal(scn->host.latency.wakeup.mean_ns, 1000);
	assert_int_equal(scn->host.latency.vcpu_load.kind, VF_DIST_UNIFORM);
	assert_int_equal(scn->host.latency.vcpu_load.max_ns, 2000);
	assert_int_equal(scn->host.latency.inject.mean_ns, 300);
	assert_int_equal(scn->host.latency.interrupt.mean_ns, 900);
	assert_int_equal(scn->host.process_count, 1);
	p = &scn->host.processes[0];
	assert_string_equal(p->name, "stress");
	assert_int_equal(p->count, 3);
	assert_int_equal(p->first_pid, 1000);
	assert_int_equal(p->cpu_burst.kind, VF_DIST_NORMAL);
	assert_int_equal(p->cpu_burst.stddev_ns, 500000);
	assert_int_equal(p->cpu_burst.min_ns, 100000);
	assert_int_equal(p->sleep.kind, VF_DIST_CONST);
	assert_int_equal(p->sleep.mean_ns, 0);
	assert_false(vf_cpuset_has(&p->affinity, 5));
	assert_true(vf_cpuset_has(&p->affinity, 6));
	assert_true(vf_cpuset_has(&p->affinity, 7));
	assert_int_equal(scn->vm_count, 2);
	vm = &scn->vms[0];
	assert_string_equal(vm->name, "db");
	assert_int_equal(vm->pid, 5000);
	assert_int_equal(vm->vcpu_count, 2);
	assert_true(vf_cpuset_has(&vm->vcpu_affinity[0], 0));
	assert_false(vf_cpuset_has(&vm->vcpu_affinity[0], 1));
	assert_true(vf_cpuset_has(&vm->vcpu_affinity[1], 1));
	assert_true(vf_cpuset_has(&vm->vcpu_affinity[1], 2));
	assert_int_equal(vm->isa, VF_ISA_SVM);
	assert_int_equal(vm->guest_burst.mean_ns, 5000000);
	assert_int_equal(vm->guest_idle.kind, VF_DIST_EXP);
	assert_int_equal(vm->guest_idle.max_ns, 4000000);
	assert_int_equal(vm->guest_tick_ns, 0);
	assert_int_equal(vm->timer_vector, 239);
	assert_int_equal(vm->exit_count, 2);
	assert_int_equal(vm->exits[0].reason, 0x400);
	assert_int_equal(vm->exits[1].reason, 0x07b);
	assert_true(vm->exits[1].weight == 0.5);
	assert_int_equal(vm->exit_interval.kind, VF_DIST_EXP); /* a bare rate is a mean */
	assert_int_equal(vm->exit_interval.mean_ns, 30000);
	assert_int_equal(vm->exit_handling.mean_ns, 3000);
	assert_false(vm->main_thread_runs);
	vm = &scn->vms[1];
	assert_string_equal(vm->name, "vm1");
	assert_int_equal(vm->pid, 1003); /* after the 3 stress processes */
	assert_true(vf_cpuset_has(&vm->vcpu_affinity[2], 4));
	assert_true(vf_cpuset_has(&vm->vcpu_affinity[2], 5));
	assert_int_equal(vm->exit_count, 4); /* rate only: the default mix */
	assert_int_equal(vm->exit_interval.kind, VF_DIST_UNIFORM);
	assert_int_equal(vm->exit_interval.mean_ns, 20000);
	assert_true(vm->main_thread_runs);
	assert_int_equal(vm->main_burst.mean_ns, 10000);
	assert_int_equal(vm->main_sleep.mean_ns, 5000000);
	assert_int_equal(scn->trace.naming, VF_NAMING_LEGACY);
	assert_int_equal(scn->trace.packet_size, 8192);
	assert_false(scn->trace.contexts);
	assert_int_equal(scn->trace.clock_offset_ns, 1000000000000LL);
	vf_scenario_free(scn);
}

static void test_scenario_pids_skip_explicit_ranges(void **state)
{
	struct vf_error err;
	struct vf_scenario *scn = parse("host:\n  processes: [{name: x, count: 2}]\n"
	                                "vms:\n  - {pid: 1000, vcpus: 2}\n  - {vcpus: 1}\n",
	                                &err);

	(void)state;
	assert_non_null(scn);
	assert_int_equal(scn->vms[0].pid, 1000); /* 1000..1002 reserved */
	assert_int_equal(scn->host.processes[0].first_pid, 1003);
	assert_int_equal(scn->vms[1].pid, 1005);
	vf_scenario_free(scn);
}

static void test_scenario_durations(void **state)
{
	int64_t v;

	(void)state;
	assert_true(vf_scenario_parse_duration("2s", &v));
	assert_int_equal(v, 2000000000);
	assert_true(vf_scenario_parse_duration("500ms", &v));
	assert_int_equal(v, 500000000);
	assert_true(vf_scenario_parse_duration("100us", &v));
	assert_int_equal(v, 100000);
	assert_true(vf_scenario_parse_duration("10ns", &v));
	assert_int_equal(v, 10);
	assert_true(vf_scenario_parse_duration("1.5ms", &v));
	assert_int_equal(v, 1500000);
	assert_true(vf_scenario_parse_duration("0.25s", &v));
	assert_int_equal(v, 250000000);
	assert_true(vf_scenario_parse_duration("123", &v));
	assert_int_equal(v, 123);
	assert_false(vf_scenario_parse_duration("1.5", &v));
	assert_false(vf_scenario_parse_duration("ms", &v));
	assert_false(vf_scenario_parse_duration("5 ms", &v));
	assert_false(vf_scenario_parse_duration("5m", &v));
	assert_false(vf_scenario_parse_duration("-1ms", &v));
	assert_false(vf_scenario_parse_duration("99999999999999999999", &v));
	assert_false(vf_scenario_parse_duration("9999999999999s", &v));
}

static void test_scenario_error_unknown_keys(void **state)
{
	(void)state;
	expect_error("seed: 1\nfoo: 2\n", "t.yaml:2:1", "unknown top-level key 'foo'");
	expect_error("host:\n  cpus: 2\n  cpu: 3\n", "t.yaml:3:3", "host: unknown key 'cpu'");
	expect_error("vms:\n  - guest: {burst: 1ms}\n", "t.yaml:2:13",
	             "vms[0].guest: unknown key 'burst'");
	expect_error("vms:\n  - {}\n  - exits: {FOO: 1}\n", "t.yaml:3:13",
	             "vms[1].exits: unknown key 'FOO' (expected rate, handling or an exit reason "
	             "name of isa vmx)");
	expect_error("vms:\n  - {isa: svm, exits: {EPT_VIOLATION: 1}}\n", "t.yaml:2:24",
	             "vms[0].exits: unknown key 'EPT_VIOLATION' (expected rate, handling or an "
	             "exit reason name of isa svm)");
	expect_error("trace: {contexts: true, contexts: false}\n", "t.yaml:1:25",
	             "trace.contexts: duplicate key");
}

static void test_scenario_error_values(void **state)
{
	(void)state;
	expect_error("duration: -5ms\n", "t.yaml:1:11", "duration: negative duration '-5ms'");
	expect_error("duration: 0\n", "t.yaml:1:11",
	             "duration: duration '0' is too short (at least 1 ns)");
	expect_error("duration: 2 days\n", "t.yaml:1:11",
	             "duration: expected a duration such as 2s, 500ms, 100us, 10ns or an integer "
	             "number of ns, got '2 days'");
	expect_error("host:\n  cpus: 0\n", "t.yaml:2:9",
	             "host.cpus: 0 is out of range: expected an integer from 1 to 1024");
	expect_error("host:\n  cpus: 2000\n", "t.yaml:2:9",
	             "host.cpus: 2000 is out of range: expected an integer from 1 to 1024");
	expect_error("host:\n  cpus: many\n", "t.yaml:2:9",
	             "host.cpus: expected an integer from 1 to 1024, got 'many'");
	expect_error("vms:\n  - vcpus: 1000000000\n", "t.yaml:2:12",
	             "vms[0].vcpus: 1000000000 is out of range: expected an integer from 1 to "
	             "1024");
	expect_error("host: {cpus: 2}\nvms:\n  - affinity: [0, 5]\n", "t.yaml:3:19",
	             "vms[0].affinity: CPU 5 does not exist (host.cpus is 2)");
	expect_error("vms:\n  - {vcpus: 2, affinity: [[0], [1], [2]]}\n", "t.yaml:2:26",
	             "vms[0].affinity: has 3 per-vCPU lists but the VM has 2 vCPUs");
	expect_error("vms:\n  - exits: {HLT: 1}\n", "t.yaml:2:13",
	             "vms[0].exits.HLT: HLT exits come from guest.idle, not from the mix");
	expect_error("vms:\n  - exits: {CPUID: -1}\n", "t.yaml:2:20",
	             "vms[0].exits.CPUID: expected a weight from 0 to 1e9, got '-1'");
	expect_error("vms:\n  - guest: {idle: {mean: 1ms}}\n", "t.yaml:2:19",
	             "vms[0].guest.idle: missing key 'dist' (exp, uniform or normal)");
	expect_error("vms:\n  - guest: {idle: {dist: gamma, mean: 1ms}}\n", "t.yaml:2:26",
	             "vms[0].guest.idle.dist: unknown distribution 'gamma' (expected exp, "
	             "uniform, normal or constant)");
	expect_error("vms:\n  - guest: {idle: {dist: uniform, min: 1ms}}\n", "t.yaml:2:19",
	             "vms[0].guest.idle: dist uniform needs both 'min' and 'max'");
	expect_error("vms:\n  - guest: {idle: {dist: exp, mean: -1ms}}\n", "t.yaml:2:37",
	             "vms[0].guest.idle.mean: negative duration '-1ms'");
	expect_error("vms:\n  - {isa: arm}\n", "t.yaml:2:11",
	             "vms[0].isa: expected vmx or svm, got 'arm'");
	expect_error("vms:\n  - {pid: 100, vcpus: 4}\n  - {pid: 102}\n", "t.yaml:3:11",
	             "vms[1].pid: thread ids 102..103 overlap those of vms[0] (100..104)");
	expect_error("host:\n  processes:\n    - count: 2\n", "t.yaml:3:7",
	             "host.processes[0]: missing key 'name'");
	expect_error("host:\n  processes:\n    - name: a-very-long-process-name\n", "t.yaml:3:13",
	             "host.processes[0].name: 'a-very-long-process-name' is too long (at most 15 "
	             "characters)");
	expect_error("trace: {naming: lttng-2.12}\n", "t.yaml:1:17",
	             "trace.naming: expected lttng-2.13 or legacy, got 'lttng-2.12'");
	expect_error("trace: {packet_size: 5000}\n", "t.yaml:1:22",
	             "trace.packet_size: 5000 is not a multiple of 4096");
	expect_error("vms: 3\n", "t.yaml:1:6", "vms: expected a list, got a scalar");
	expect_error("- 1\n- 2\n", "t.yaml:1:1", "expected a mapping, got a list");
	expect_error("seed: [1]\n", "t.yaml:1:7", "seed: expected a single value, got a list");
}

static void test_scenario_error_thread_limit(void **state)
{
	/* 64 VMs x 1024 vCPUs (+ 64 main threads) exceed 65536 threads at the 64th VM */
	size_t cap = 64 * 40 + 16, len = 0;
	char *text = malloc(cap);
	int i;

	(void)state;
	len += (size_t)snprintf(text + len, cap - len, "vms:\n");
	for (i = 0; i < 64; i++) {
		len += (size_t)snprintf(text + len, cap - len, "  - vcpus: 1024\n");
	}
	expect_error(text, "t.yaml:65:12",
	             "vms[63].vcpus: too many threads in the scenario (host processes plus VM "
	             "threads exceed 65536)");
	free(text);
	expect_error("host:\n  processes:\n    - {name: a, count: 70000}\n", "t.yaml:3:24",
	             "host.processes[0].count: 70000 is out of range: expected an integer from 1 "
	             "to 65536");
}

static void test_scenario_error_yaml_syntax(void **state)
{
	struct vf_error err;
	struct vf_scenario *scn = parse("host:\n  cpus: [1, 2\n", &err);

	(void)state;
	assert_null(scn);
	assert_int_equal(err.status, VF_ERR_INPUT);
	assert_string_equal(err.where, "t.yaml:3:1");
	assert_non_null(strstr(err.msg, "not valid YAML"));
}

static void test_scenario_missing_file(void **state)
{
	struct vf_error err = {0};

	(void)state;
	assert_null(vf_scenario_new_from_file("/nonexistent/s.yaml", &err));
	assert_int_equal(err.status, VF_ERR_IO);
	assert_string_equal(err.where, "/nonexistent/s.yaml");
}

static void test_scenario_corpora_parse(void **state)
{
	static const char *const names[] = {"default", "preempt-host", "preempt-vm"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct vf_scenario *scn = vf_test_corpus_scenario(names[i]);

		assert_true(scn->vm_count >= 1);
		vf_scenario_free(scn);
	}
}

static void test_scenario_trace_desc(void **state)
{
	struct vf_error err;
	struct vf_scenario *scn = parse("seed: 9\nhost: {cpus: 3, hostname: box}\n", &err);
	struct vf_trace_desc a, b;

	(void)state;
	assert_non_null(scn);
	vf_scenario_trace_desc(scn, &a);
	assert_string_equal(a.hostname, "box");
	assert_string_equal(a.kernel_release, "6.1.0-27-amd64");
	assert_string_equal(a.trace_name, "vmflow-synth-t");
	assert_string_equal(a.creation_datetime, "20260101T000000+0000");
	assert_int_equal(a.cpu_count, 3);
	assert_int_equal(a.packet_size, 262144);
	assert_int_equal(a.clock_offset_ns, 1767225600LL * 1000000000LL);
	assert_true(a.pid_tid_context);
	assert_int_equal(a.clock_uuid[6] >> 4, 4); /* version 4 */
	assert_int_equal(a.trace_uuid[8] & 0xc0, 0x80);
	assert_memory_not_equal(a.clock_uuid, a.trace_uuid, 16);
	vf_scenario_trace_desc(scn, &b);
	assert_memory_equal(a.clock_uuid, b.clock_uuid, 16); /* deterministic */
	scn->seed = 10;
	vf_scenario_trace_desc(scn, &b);
	assert_memory_not_equal(a.clock_uuid, b.clock_uuid, 16);
	vf_scenario_free(scn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scenario_empty_file_is_all_defaults),
	    cmocka_unit_test(test_scenario_vm_defaults),
	    cmocka_unit_test(test_scenario_every_key),
	    cmocka_unit_test(test_scenario_pids_skip_explicit_ranges),
	    cmocka_unit_test(test_scenario_durations),
	    cmocka_unit_test(test_scenario_error_unknown_keys),
	    cmocka_unit_test(test_scenario_error_values),
	    cmocka_unit_test(test_scenario_error_thread_limit),
	    cmocka_unit_test(test_scenario_error_yaml_syntax),
	    cmocka_unit_test(test_scenario_missing_file),
	    cmocka_unit_test(test_scenario_corpora_parse),
	    cmocka_unit_test(test_scenario_trace_desc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
