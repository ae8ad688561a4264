"""Progress of long loads: a bar on a terminal, a plain line every tenth otherwise."""

from __future__ import annotations

import io
import sys
import time
from typing import IO, BinaryIO


class Progress:
    """Reports bytes read out of a known total to ``stream`` (stderr by default)."""

    def __init__(self, total: int, label: str, stream: IO[str] | None = None) -> None:
        self.total = max(total, 1)
        self.label = label
        self.stream = stream or sys.stderr
        self.done = 0
        self.started = time.monotonic()
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_step = -1

    def advance(self, amount: int) -> None:
        """Count ``amount`` more bytes and redraw or print when a step is crossed."""
        self.done += amount
        fraction = min(self.done / self.total, 1.0)
        if self._tty:
            width = 30
            filled = int(fraction * width)
            bar = "#" * filled + "-" * (width - filled)
            self.stream.write(f"\r{self.label} [{bar}] {fraction:5.1%}")
            self.stream.flush()
        else:
            step = int(fraction * 10)
            if step > self._last_step:
                self._last_step = step
                self.stream.write(f"{self.label}: {fraction:.0%} of {self.total:,} bytes\n")
                self.stream.flush()

    def finish(self) -> None:
        """Close the line with the elapsed time."""
        elapsed = time.monotonic() - self.started
        end = "\r" if self._tty else ""
        self.stream.write(f"{end}{self.label}: done in {elapsed:.1f} s{' ' * 20}\n")
        self.stream.flush()


class CountingReader(io.RawIOBase):
    """A binary file wrapper that tells :class:`Progress` how much has been read."""

    def __init__(self, raw: BinaryIO, progress: Progress | None) -> None:
        self._raw = raw
        self._progress = progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        count = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        if count and self._progress is not None:
            self._progress.advance(count)
        return count or 0
