"""The media index: analyse once, find again.

* :mod:`.fingerprint` — content fingerprints (a moved file is found again, a changed one re-analysed);
* :mod:`.store` — :class:`MediaIndex`, the SQLite store (WAL, one transaction per write), keyed by
  fingerprint + detector name + version + parameters; :meth:`MediaIndex.get_or_compute` is the one call a
  command needs to read fresh results or compute and store them;
* :mod:`.analyze` — the jobs: ``reel shots`` through the index, and ``reel analyze`` over a library in
  this process, local worker processes or Ray tasks (the same per-file job);
* :mod:`.find` — ``reel find`` queries over shots and transcript words.

>>> from reelkit.index import MediaIndex, ResultKey, index_path_for
>>> idx = MediaIndex(index_path_for("clip.mp4"))                      # doctest: +SKIP
>>> data, cached = idx.get_or_compute("clip.mp4", ResultKey.of("mydet", 1, {"k": 3}), compute)  # doctest: +SKIP
"""

from reelkit.index.fingerprint import fingerprint
from reelkit.index.store import MediaIndex, ResultKey, ShotRow, WordRow, clear_index, index_path_for

__all__ = ["MediaIndex", "ResultKey", "ShotRow", "WordRow", "clear_index", "fingerprint", "index_path_for"]
