#!/usr/bin/env python3
"""The experts directory with 100,000 experts: seeds them straight into Postgres (names,
accents among them, headlines and subjects; the directory's indexes built after) and some
online in presence's set, then times directory requests through the messages service's
REST route (p50/p99 of each kind), checks that each of 100 sampled experts is found on the
first page by a part of their name, and shows the plans. Writes the "Experts directory"
section of docs/BENCHMARKS.md.

    scripts/directory_benchmark.py [--experts 100000] [--online 500] [--requests 100] [--build debug|release]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import messages_stack, percentile, post, request, write_section  # noqa: E402

FIRST = ("Ana Ben Chloé Dmitri Elif Fatima Gabriel Hana Ismaël Jonas Kofi Léa Mateo Nadia Omar Pilar Quentin Rosa Søren Tomás "
         "Uma Viktor Wanjiru Xavier Yara Zoë José María François Renée Łukasz Ngozi Ahmed Priya Chen Akira Sofía Emma Noah Liam "
         "Olivia Lucas Mia Hugo Inès Amir Leila Kwame Anaïs Björn").split()
SUBJECTS = ("Calculus, Linear algebra, Statistics, Probability, Physics, Chemistry, Biology, Organic chemistry, Economics, "
            "Accounting, History, Philosophy, Literature, Spanish, French, German, Japanese, Computer science, Algorithms, "
            "Databases, Machine learning, Geometry, Topology, Number theory, Music theory, Essay writing, Law, Psychology, "
            "Sociology, Astronomy").split(", ")
SYLLABLES = ("ka lo mi ne ru ta vo shi zen pa qui dra mon tel bri gor san del ver ost lund berg ez ova ski").split()


def surnames(count: int) -> list[str]:
    made = random.Random(11)
    names: set[str] = set()
    while len(names) < count:
        names.add("".join(made.choice(SYLLABLES) for _ in range(made.randint(2, 4))).capitalize())
    return sorted(names)


def sql_array(words: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + word.replace("'", "''") + "'" for word in words) + "]"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--experts", type=int, default=100_000)
    parser.add_argument("--online", type=int, default=500, help="experts in presence's online set")
    parser.add_argument("--requests", type=int, default=100, help="requests per kind")
    parser.add_argument("--build", default="debug")
    parser.add_argument("--no-write", action="store_true", help="print the section instead of writing it")
    arguments = parser.parse_args()

    deployment = messages_stack("directory-bench", arguments.build)
    try:
        deployment.start_service("messages")
        sql = lambda text: deployment.psql(text, database=deployment.database)  # noqa: E731
        base = deployment.service_url("messages")
        me = post(f"{base}/api/auth/register", {"name": "Student", "email": "student@example.com", "password": "correct horse"})
        token = me["token"]

        seeding = time.perf_counter()
        last = surnames(5000)
        sql(f"""
            DROP INDEX users_expert_profile_idx; DROP INDEX users_expert_name_idx;
            WITH f AS (SELECT {sql_array(list(FIRST))} AS w), l AS (SELECT {sql_array(last)} AS w), s AS (SELECT {sql_array(list(SUBJECTS))} AS w)
            INSERT INTO users (id, name, email, password_hash, role, headline, subjects)
            SELECT gen_random_uuid(),
                   f.w[1 + (g::bigint * 7919) % {len(FIRST)}] || ' ' || l.w[1 + (g::bigint * 104729) % {len(last)}],
                   'expert-' || g || '@example.com', 'x', 'expert',
                   s.w[1 + g % {len(SUBJECTS)}] || ' tutor, ' || (1 + g % 30) || ' years',
                   ARRAY[s.w[1 + g % {len(SUBJECTS)}], s.w[1 + (g / 7) % {len(SUBJECTS)}]]
            FROM f, l, s, generate_series(1, {arguments.experts}) g;
        """)
        inserted = time.perf_counter() - seeding
        indexing = time.perf_counter()
        sql("CREATE INDEX users_expert_profile_idx ON users USING gin (profile_text gin_trgm_ops) WHERE role = 'expert'")
        sql("CREATE INDEX users_expert_name_idx ON users (folded_name, id) WHERE role = 'expert'")
        sql("VACUUM ANALYZE users")
        indexed = time.perf_counter() - indexing
        sizes = sql("SELECT pg_size_pretty(pg_relation_size('users_expert_profile_idx')) || ' / ' "
                    "|| pg_size_pretty(pg_relation_size('users_expert_name_idx')) || ' / ' || pg_size_pretty(pg_relation_size('users'))")
        online = sql(f"SELECT string_agg(lower(id::text), ' ') FROM (SELECT id FROM users WHERE role = 'expert' ORDER BY random() "
                     f"LIMIT {arguments.online}) o").split()
        redis(deployment, ["SADD", "{presence}:online", *online])

        sample = [line.split("|") for line in sql(
            "SELECT id || '|' || name FROM users WHERE role = 'expert' ORDER BY md5(id::text) LIMIT 100").splitlines()]
        kinds = [
            ("the first page, no search (online first)", {}),
            ("online only", {"online": "true"}),
            ("a part of a surname", {"q": last[2500][1:5].lower()}),
            ("a common part (3 letters)", {"q": "ber"}),
            ("a first name and a part of a surname", {"q": f"{FIRST[5]} {last[100][:4]}"}),
            ("a subject, accents aside", {"q": "econom"}),
            ("an accented name typed plainly", {"q": "soren"}),
            ("two letters", {"q": "zo"}),
        ]
        # Each kind with the online set as seeded (a first page is mostly its online part)
        # and with nobody online (all of it from the rest: the larger query).
        def timed(url: str) -> tuple[list[float], int]:
            request(url, token)  # warm
            timings, count = [], 0
            for _ in range(arguments.requests):
                elapsed, body, _ = request(url, token)
                timings.append(elapsed)
                count = len(body)
            return timings, count

        urls = [f"{base}/api/chat/experts?" + urllib.parse.urlencode({**params, "limit": 30}) for _, params in kinds]
        with_online = [timed(url) for url in urls]
        redis(deployment, ["DEL", "{presence}:online"])
        nobody_online = [timed(url) for url, (_, params) in zip(urls, kinds) if "online" not in params]
        redis(deployment, ["SADD", "{presence}:online", *online])
        rows = []
        offline = iter(nobody_online)
        for (label, params), (timings, count) in zip(kinds, with_online):
            matching = int(sql(f"SELECT count(*) FROM users u WHERE u.role = 'expert' AND {match_sql(params.get('q', ''))}"))
            alone = None if "online" in params else next(offline)[0]
            rows.append((label, params.get("q", ""), matching, count, statistics.median(timings), percentile(timings, 0.99),
                         alone and statistics.median(alone), alone and percentile(alone, 0.99)))

        # Deep pages: following `Link` 30 times from the first page.
        deep = []
        url = f"{base}/api/chat/experts?limit=30"
        for _ in range(30):
            elapsed, body, headers = request(url, token)
            deep.append(elapsed)
            url = base + headers["Link"].split(">")[0][1:]

        # Three letters of the first name and four from inside the surname, then the pages
        # a student would scroll to (five at most): on which page each is found.
        found_on, first_page = [], []
        for user_id, name in sample:
            first, surname = name.split(" ", 1)
            url = f"{base}/api/chat/experts?" + urllib.parse.urlencode({"q": f"{first[:3]} {surname[1:5]}", "limit": 30})
            for page in range(1, 6):
                elapsed, body, headers = request(url, token)
                if page == 1:
                    first_page.append(elapsed)
                if any(expert["id"].lower() == user_id for expert in body):
                    found_on.append(page)
                    break
                if "Link" not in headers:
                    break
                url = base + headers["Link"].split(">")[0][1:]
        found = {pages: sum(1 for page in found_on if page <= pages) for pages in (1, 2, 5)}

        plans = [(label, explain(sql, params.get("q", ""))) for label, params in kinds if "online" not in params]
    finally:
        deployment.down()

    section = render(arguments, inserted, indexed, sizes, rows, deep, found, first_page, plans)
    if not arguments.no_write:
        write_section(section)
    print(section)
    return 0


def redis(deployment, command: list[str]) -> None:
    port = deployment.redis_url.rsplit(":", 1)[1].split("/")[0]
    subprocess.run(["redis-cli", "-p", port, *command], check=True, capture_output=True)


def match_sql(q: str) -> str:
    """The statement's test for each word, as `ExpertDirectory` writes it."""
    terms = [word.replace("'", "''").replace("%", "\\%").replace("_", "\\_") for word in q.split()][:4]
    return " AND ".join([f"u.profile_text LIKE chat_fold('%{term}%')" for term in terms] or ["true"])


def explain(sql, q: str) -> str:
    """The plan of the offline part's query (the larger), for the first page: the trigram
    index first when a word has three letters or more, as `ExpertDirectory` does."""
    materialized = "MATERIALIZED" if any(len(word) >= 3 for word in q.split()) else "NOT MATERIALIZED"
    return sql(f"""
        EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
        WITH found AS {materialized} (SELECT u.id, u.folded_name FROM users u WHERE u.role = 'expert' AND {match_sql(q)})
        SELECT id FROM found ORDER BY folded_name, id LIMIT 31
    """)


def render(arguments, inserted, indexed, sizes, rows, deep, found, first_page, plans) -> str:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "## Experts directory",
        "",
        f"Measured {now} with `scripts/directory_benchmark.py --experts {arguments.experts} --online {arguments.online} "
        f"--requests {arguments.requests} --build {arguments.build}`: {arguments.experts:,} experts (50 first names, accented ones "
        f"among them, and 5,000 surnames; a headline and two subjects each) seeded in {inserted:.0f} s and indexed in {indexed:.0f} s; "
        f"{arguments.online} of them in presence's online set (then none, for the last two columns). Trigram index / name index / users table: {sizes}. Each kind is "
        f"{arguments.requests} sequential requests for a page of 30 to the messages service's `GET /api/chat/experts` "
        f"({arguments.build} build), on this 2-core machine shared with Postgres.",
        "",
        "| request | q | experts matching | page | p50 ms | p99 ms | nobody online: p50 ms | p99 ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, q, matching, count, p50, p99, alone_p50, alone_p99 in rows:
        alone = f"{alone_p50:.1f} | {alone_p99:.1f}" if alone_p50 is not None else "– | –"
        lines.append(f"| {label} | `{q}` | {matching:,} | {count} | {p50:.1f} | {p99:.1f} | {alone} |")
    lines += [
        "",
        f"Paging: the first 30 pages by `Link` took {statistics.median(deep):.1f} ms each (median), "
        f"{percentile(deep, 0.99):.1f} ms at most; a page starts where the last ended (a keyset cursor), so the 30th costs what the first does.",
        "",
        f"Finding anyone: for 100 experts drawn at random, three letters of the first name and four from inside the surname "
        f"(`ana alom` for Ana Kalomi) put them on the first page {found[1]} times in 100, by the second {found[2]}, by the fifth "
        f"{found[5]} (the first page's p50 {statistics.median(first_page):.1f} ms, p99 {percentile(first_page, 0.99):.1f} ms). "
        "Names repeat here as they do in life (50 first names, 5,000 surnames): the others share those letters with more "
        "than a few pages of experts, and a letter or two more finds them.",
        "",
        "The plans (`EXPLAIN ANALYZE` of the offline part's first page, the larger part):",
        "",
    ]
    for label, plan in plans:
        lines += [f"{label}:", "", "```", plan.strip(), "```", ""]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    sys.exit(main())
