"""``reel studio``: a local web studio over the library — bin, player, transcript editor, exports.

>>> from reelkit.studio import serve            # doctest: +SKIP
>>> serve("~/clips", open_browser=False)        # doctest: +SKIP

:mod:`reelkit.studio.data` is the one module that reads and writes project data (it calls the library
and caches JSON in ``.reelkit/studio/``); :mod:`reelkit.studio.security` guards every request;
:mod:`reelkit.studio.jobs` runs long work in child processes; :mod:`reelkit.studio.app` holds the routes.
"""

from reelkit.studio.server import DEFAULT_PORT, serve, studio_url

__all__ = ["DEFAULT_PORT", "serve", "studio_url"]
