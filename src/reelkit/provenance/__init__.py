"""Provenance: a signed record (C2PA manifest, or a sidecar where C2PA does not reach) on every file
reelkit renders, listing the source media (with hashes) and the actions taken.

>>> from reelkit import provenance                                        # doctest: +SKIP
>>> provenance.declare("out.mp4", sources=["in.mp4"],
...                    actions=[provenance.Action("colour", "matched to hero")])   # doctest: +SKIP
>>> provenance.verify("out.mp4").status                                   # doctest: +SKIP
'valid'
"""

from reelkit.provenance.keys import LOCAL_LABEL, SigningIdentity, config_dir, load_identity, local_identity
from reelkit.provenance.record import (
    ACTIONS,
    EMBED_SUFFIXES,
    SIDECAR_SUFFIXES,
    SOURCE_TYPES,
    Action,
    ProvenanceReport,
    configure,
    declare,
    declare_timeline,
    enabled,
    seal,
    sidecar_path,
    verify,
)

__all__ = [
    "ACTIONS",
    "EMBED_SUFFIXES",
    "LOCAL_LABEL",
    "SIDECAR_SUFFIXES",
    "SOURCE_TYPES",
    "Action",
    "ProvenanceReport",
    "SigningIdentity",
    "config_dir",
    "configure",
    "declare",
    "declare_timeline",
    "enabled",
    "load_identity",
    "local_identity",
    "seal",
    "sidecar_path",
    "verify",
]
