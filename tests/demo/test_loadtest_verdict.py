"""`manage.py loadtest`'s verdict: the most users held within the targets (0 errors and a
p95 under 500 ms, each smaller run meeting them too), and what was busiest when a run
missed them."""

from diversion.demo.management.commands.loadtest import Stage, cpu_delta, verdict


def stage(users, *, p95=200.0, failures=0, service=0.5, database=0.2, load=0.05):
    return Stage(
        users=users,
        requests=1000,
        failures=failures,
        per_second=users / 3,
        p50=p95 / 3,
        p95=p95,
        p99=p95 * 1.5,
        pages=[],
        cpu={"service": service, "database": database, "load generator": load},
        errors=[],
    )


def test_a_run_is_within_the_targets_with_no_errors_and_p95_under_500_ms():
    assert stage(50, p95=499).within_targets
    assert not stage(50, p95=500).within_targets
    assert not stage(50, failures=1).within_targets


def test_the_most_users_held_is_the_last_run_before_the_first_miss():
    runs = [stage(50), stage(75), stage(100, p95=900, service=1.6), stage(125, p95=450)]
    lines = verdict(runs, cores=2)
    assert lines[0] == "Most users within the targets: 75"
    assert lines[1].startswith("At 100 users 1.85 of 2 cores were busy")
    assert "the limit is the processors, service the busiest" in lines[1]


def test_a_miss_with_idle_processors_says_to_look_at_waits():
    lines = verdict([stage(50, failures=3, service=0.3)], cores=2)
    assert lines[0] == "No run met the targets."
    assert "not the processors" in lines[1]


def test_every_run_met_them_asks_for_more_users():
    assert verdict([stage(75), stage(50)], cores=2) == [
        "Most users within the targets: 75",
        "Every run met them: try more users (USERS=) to find the limit.",
    ]


def test_cpu_time_is_added_up_by_part_from_each_process():
    before = {"service:10": 1.0, "database:20": 5.0}
    after = {"service:10": 3.0, "service:11": 0.5, "database:20": 6.0, "database:21": 2.0}
    assert cpu_delta(before, after) == {"service": 2.5, "database": 3.0}


def test_the_whole_machines_busy_time_decides_when_it_was_measured():
    missed = stage(60, p95=700, service=1.1, database=0.3)
    missed.cpu["machine"] = 1.9
    lines = verdict([stage(50), missed], cores=2)
    assert lines[1].startswith("At 60 users 1.90 of 2 cores were busy")
    assert "the limit is the processors" in lines[1]
