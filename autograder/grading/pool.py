"""A pool of grader processes.

Each worker is forked from the coordinating process once it has imported
what grading needs (so it starts in milliseconds), has a user id of its own
for its student processes and one line to the shared warm template, and runs
one pytest session over the hidden tests for all the submissions it is
handed. The coordinator hands out submissions one at a time, to whichever
worker is free, with the calibration to grade it with (batch.py decides),
and takes each result as it arrives, so that the caller writes it to disk
before anything else happens. Results cross as JSON.
"""
from __future__ import annotations

import gc
import os
import selectors
import signal
import socket
import time
from dataclasses import replace
from pathlib import Path

from ..errors import GraderFailure
from ..sandbox.channel import Channel, ChannelClosed, MessageTooLarge
from ..sandbox.budgets import Calibration
from ..sandbox.codec import DecodeError, dumps
from ..sandbox.isolation import die_with_parent
from ..sandbox.zygote import ZygoteClient
from ..submissions import Submission
from .caps import MAX_NOTE_CHARS, cut, too_large, writable
from .results import SubmissionResult
from .runner import GradingContext, grade_one, run_session


def default_jobs() -> int:
    """One worker per CPU this process may run on."""
    return max(1, len(os.sched_getaffinity(0)))


def _to_json(submission: Submission) -> dict:
    return {"student": submission.student, "notebook": str(submission.notebook),
            "shared_folder": submission.shared_folder,
            "root": None if submission.root is None else str(submission.root)}


def _from_json(data: dict) -> Submission:
    root = data.get("root")
    return Submission(data["student"], Path(data["notebook"]), data["shared_folder"],
                      None if root is None else Path(root))


def _result_message(result: SubmissionResult, limit: int) -> dict:
    """What a worker sends for a graded submission; a result that would not fit
    the channel (its fields are capped, so this is a last resort) is sent as
    that student's failure instead, so that it never stops the batch."""
    def message(result: SubmissionResult) -> dict:
        return {"result": result.to_json(), "timing": result.timing(),
                "cpu": {"tests": result.test_cpu, "cells": result.cell_cpu},
                "grader_errors": [t.name for t in result.grader_errors]}

    size = len(dumps(message(result)))
    return message(result) if size <= limit else message(too_large(result, size, limit))


def _unreadable(submission: Submission, reason: str) -> SubmissionResult:
    """The result of a submission whose result could not cross from its grader process."""
    return SubmissionResult(writable(submission.student), writable(str(submission.notebook)), [],
                            [f"Your result could not be recorded ({reason}). No test counts."])


def _serve(context: GradingContext, zygote: ZygoteClient, channel: Channel) -> None:
    """A worker: grade what the coordinator sends, with the calibration it
    sends along, until it says stop."""
    def jobs():
        while True:
            message = channel.recv()
            if "submission" not in message:
                return
            submission = _from_json(message["submission"])
            calibration = message.get("calibration")
            job = replace(context, calibration=None if calibration is None else Calibration.from_json(calibration))
            result = yield from grade_one(job, zygote, submission)
            channel.send(_result_message(result, channel.max_message))

    try:
        run_session(context, jobs())
    except BaseException as exc:  # the coordinator decides what to do: it stops the batch
        failure = str(exc) if isinstance(exc, GraderFailure) else f"{type(exc).__name__}: {exc}"
        channel.send({"failure": cut(failure, MAX_NOTE_CHARS * 5)})  # capped: it may quote a student's text


def _start_worker(context: GradingContext, zygote: ZygoteClient, others: list[socket.socket]) -> tuple[int, Channel]:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            ours.close()
            for sock in others:
                sock.close()
            die_with_parent()
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            _serve(context, zygote, Channel(theirs))
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    theirs.close()
    return pid, Channel(ours, skip_oversized=True)


class GraderPool:
    """One worker per context (each with its own user id and template client).
    `hand_out` gives an idle worker a submission and the calibration to grade
    it with; `next_result` waits for any worker's result. Raises GraderFailure
    when the hidden tests fail on their own side."""

    def __init__(self, contexts: list[GradingContext], zygotes: list[ZygoteClient]):
        gc.freeze()  # what was imported is never collected: workers' collections skip it
        self.workers: list[tuple[int, Channel]] = []
        self.busy: dict[int, Submission] = {}
        self.selector = selectors.DefaultSelector()
        try:
            for index, (context, zygote) in enumerate(zip(contexts, zygotes)):
                others = [zygotes[i].control for i in range(len(zygotes)) if i != index and zygotes[i].control]
                others += [channel.sock for _, channel in self.workers]
                pid, channel = _start_worker(context, zygote, others)
                self.workers.append((pid, channel))
                self.selector.register(channel.sock, selectors.EVENT_READ, index)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> "GraderPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def idle(self) -> list[int]:
        return [index for index in range(len(self.workers)) if index not in self.busy]

    def hand_out(self, index: int, submission: Submission, calibration: Calibration | None) -> None:
        self.busy[index] = submission
        self.workers[index][1].send({"submission": _to_json(submission),
                                     "calibration": None if calibration is None else calibration.to_json()})

    def next_result(self) -> tuple[Submission, SubmissionResult]:
        """The next result any busy worker sends (call only while one is busy)."""
        while True:
            for key, _ in self.selector.select():
                index = key.data
                if index not in self.busy:  # nothing asked of it: it ended
                    raise GraderFailure(f"grader process {index + 1} ended unexpectedly")
                try:
                    message = self.workers[index][1].recv()
                except (MessageTooLarge, DecodeError) as exc:  # read past: the channel is still in step
                    message = {"unreadable": str(exc)}
                except (ChannelClosed, OSError, ValueError):
                    raise GraderFailure(f"grader process {index + 1} ended unexpectedly while grading "
                                        f"{self.busy[index].student!r}") from None
                if "failure" in message:
                    raise GraderFailure(str(message["failure"]))
                submission = self.busy.pop(index)
                if "unreadable" in message:
                    return submission, _unreadable(submission, message["unreadable"])
                result = SubmissionResult.from_json(message["result"], **message["timing"])
                cpu = message.get("cpu") or {}
                result.test_cpu, result.cell_cpu = dict(cpu.get("tests", {})), dict(cpu.get("cells", {}))
                for test in result.tests:
                    test.grader_error = test.name in message.get("grader_errors", [])
                return submission, result

    def close(self) -> None:
        for pid, channel in self.workers:
            try:
                channel.send({"stop": True})
            except (ChannelClosed, OSError):
                pass
            channel.close()
        for pid, _ in self.workers:
            _end(pid)
        self.workers = []
        self.selector.close()


def _end(pid: int, grace: float = 5.0) -> None:
    """Let a worker finish its session; kill it if it does not in time (it was
    busy when the batch stopped)."""
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if os.waitpid(pid, os.WNOHANG)[0]:
            return
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
