"""Timing requests: each one's latency and the run's throughput, over HTTP or straight SQL,
with `concurrency` callers taking the inputs in turn."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from tests.bench.lean_http import LeanClient


@dataclass(frozen=True)
class Timings:
    latencies: list[float]  # seconds, one per request
    wall: float  # seconds for them all

    def percentile(self, p: int) -> float:
        """In milliseconds."""
        if len(self.latencies) == 1:
            return self.latencies[0] * 1000
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1] * 1000

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.wall

    def summary(self) -> dict[str, float]:
        return {
            "p50": self.percentile(50),
            "p95": self.percentile(95),
            "p99": self.percentile(99),
            "rps": self.per_second,
        }


async def _timed(
    callers: Sequence[Callable[[Any], Awaitable[Any]]], inputs: Sequence[Any]
) -> tuple[Timings, list[Any]]:
    latencies: list[float] = [0.0] * len(inputs)
    answers: list[Any] = [None] * len(inputs)
    next_index = iter(range(len(inputs)))

    async def caller(call: Callable[[Any], Awaitable[Any]]) -> None:
        for i in next_index:
            started = time.perf_counter()
            answers[i] = await call(inputs[i])
            latencies[i] = time.perf_counter() - started

    started = time.perf_counter()
    await asyncio.gather(*(caller(call) for call in callers))
    return Timings(latencies, time.perf_counter() - started), answers


class GraphQLClient:
    def __init__(self, base_url: str, api_key: str | None, concurrency: int) -> None:
        """No `api_key`: no Authorization header (PostGraphile's baseline has no callers)."""
        self._http = LeanClient(
            base_url, {"Authorization": f"Bearer {api_key}"} if api_key else {}, concurrency
        )
        self.concurrency = concurrency

    async def aclose(self) -> None:
        await self._http.aclose()

    async def post(self, query: str, variables: dict[str, Any], authorised: bool = True) -> Any:
        headers = None if authorised else {"Authorization": ""}
        body = json.dumps({"query": query, "variables": variables}).encode()
        answer = (await self._http.send("POST", "/graphql", body, headers)).json()
        if answer.get("errors"):
            raise RuntimeError(f"GraphQL errors for {variables}: {answer['errors']}")
        return answer["data"]

    async def get(self, path: str) -> Any:
        return (await self._http.send("GET", path)).json()

    async def run(
        self, query: str, inputs: Sequence[dict[str, Any]], authorised: bool = True
    ) -> tuple[Timings, list[Any]]:
        async def call(variables: dict[str, Any]) -> Any:
            return await self.post(query, variables, authorised)

        return await _timed([call] * self.concurrency, inputs)

    async def run_get(self, path: str, times: int) -> Timings:
        timings, _ = await _timed([self.get] * self.concurrency, [path] * times)
        return timings


class SqlClient:
    """`concurrency` psycopg connections, opened before timing starts."""

    def __init__(self, url: str, concurrency: int) -> None:
        self._url = url
        self._concurrency = concurrency
        self._connections: list[psycopg.AsyncConnection[Any]] = []

    async def open(self) -> None:
        self._connections = [
            await psycopg.AsyncConnection.connect(self._url, autocommit=True)
            for _ in range(self._concurrency)
        ]

    async def aclose(self) -> None:
        for connection in self._connections:
            await connection.close()

    async def run(self, sql: str, inputs: Sequence[dict[str, Any]]) -> tuple[Timings, list[Any]]:
        def caller(connection: psycopg.AsyncConnection[Any]) -> Callable[[Any], Awaitable[Any]]:
            async def call(parameters: dict[str, Any]) -> Any:
                cursor = await connection.execute(sql, parameters)  # type: ignore[arg-type]
                return await cursor.fetchall()

            return call

        return await _timed([caller(c) for c in self._connections], inputs)


async def alternate(
    number: int, foyer: Callable[[], Awaitable[Timings]], sql: Callable[[], Awaitable[Timings]]
) -> dict[str, Timings]:
    """Round `number` of Foyer against SQL: who goes first alternates between rounds, so
    neither always meets the colder cache."""
    ways = {"foyer": foyer, "sql": sql}
    order = ("foyer", "sql") if number % 2 == 0 else ("sql", "foyer")
    return {way: await ways[way]() for way in order}


async def first_of(run: Awaitable[tuple[Timings, Any]]) -> Timings:
    """The timings of a `run`, without its answers."""
    return (await run)[0]
