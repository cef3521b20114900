"""The project's submission path against a hand-written twin of the same contract.

    python -m bench.bench_twin [--quick] [--clients 4] [--workers 3] [--seconds 20]

Both under gunicorn (3 workers × 4 threads), on the same database and Redis, the same
patients and the same daily-postop body with distinct Idempotency-Keys; rounds alternate.
The twin (bench/twin.py) is Flask and psycopg written by hand. The figure that matters is
the CPU per submission (``/proc``), steadier than the rate on a shared machine: of the web
workers, and of the web workers and the PostgreSQL backends of the benchmark's database
together (the issue's "web + database"; the backends of the server not under load are
idle, and a backend opened during a round counts from its start).
"""

from __future__ import annotations

from bench import population
from bench.bench_http import command_line, http_load
from bench.report import Load, Row
from bench.stack import Stack, cpu_by_pid, cpu_seconds

SETTINGS = {False: {"seconds": 20, "patients": 400}, True: {"seconds": 6, "patients": 80}}


def measure(stack: Stack, patients: list[population.Patient], clients: int, seconds: float,
            workers: int = 3, rounds: int = 2) -> list[Row]:
    twin_url = stack.serve_twin(workers)
    loads = {"project": Load(0), "twin": Load(0)}
    cpu, database = dict.fromkeys(loads, 0.0), dict.fromkeys(loads, 0.0)
    for _ in range(rounds):
        for name, url, pids in (("project", None, stack.web_pids()),
                                ("twin", twin_url, stack.twin_pids())):
            before, backends = cpu_seconds(pids), cpu_by_pid(stack.database_pids())
            loads[name].add(http_load(patients, clients, seconds / rounds, url))
            cpu[name] += cpu_seconds(pids) - before
            database[name] += sum(used - backends.get(pid, 0.0) for pid, used
                                  in cpu_by_pid(stack.database_pids()).items())
    done = {name: max(1, len(load.latencies) + load.errors) for name, load in loads.items()}
    per = {name: cpu[name] * 1000 / done[name] for name in loads}
    both = {name: (cpu[name] + database[name]) * 1000 / done[name] for name in loads}
    if not loads["twin"].latencies:
        raise RuntimeError(f"no twin submission succeeded ({loads['twin'].errors} errors)")
    project, twin = loads["project"], loads["twin"]
    return [
        Row(f"HTTP submissions vs hand-written twin ({clients} clients)",
            f"{project.rate:.0f} submissions/s", f"twin {twin.rate:.0f}/s",
            f"{twin.rate / project.rate:.1f}x slower"),
        Row("  CPU of the web workers per submission", f"{per['project']:.1f} ms",
            f"twin {per['twin']:.1f} ms",
            f"{per['project'] / per['twin']:.1f}x"),
        Row("  CPU of web workers + database backends per submission",
            f"{both['project']:.1f} ms", f"twin {both['twin']:.1f} ms",
            f"{both['project'] / both['twin']:.1f}x (target <= 2x)"),
    ]


def run(quick: bool = False, stack: Stack | None = None, clients: int = 4, workers: int = 3,
        seconds: float | None = None, patients: list | None = None) -> list[Row]:
    settings = SETTINGS[quick]
    seconds = seconds or settings["seconds"]
    if stack is None:
        with Stack("twin") as own:
            own.serve(workers)
            people = population.patients(own, population.nurse(own), settings["patients"])
            return measure(own, people, clients, seconds, workers)
    return measure(stack, patients, clients, seconds, workers)


def main(argv: list[str] | None = None) -> None:
    command_line(__doc__.splitlines()[0], run, 4, argv)


if __name__ == "__main__":
    main()
