"""Resolve an inbound interchange to exactly one partner profile.

An interchange is matched by the identities in its envelope (X12: ISA05/06
sender, ISA07/08 receiver, GS02/GS03 application codes; EDIFACT: UNB sender and
recipient ID with qualifier) and, when known, checked against the channel it
arrived over (SFTP account, AS2-From/AS2-To, local folder).  The result is
``Resolved`` or ``Rejected``; nothing is ever processed as someone else:

* no profile matches          -> Rejected("unknown_sender" / "unknown_receiver"), with the
                                 acknowledgment finding the standard allows (TA1 TA105 006/008,
                                 CONTRL UCI 0085 23/7) and a list of what was searched;
* several profiles match      -> Rejected("ambiguous"), naming them;
* the envelope names partner B but the file came over partner A's channel (or a channel no
  profile owns)               -> Rejected("channel_mismatch") with a ``SecurityEvent``.

Every rejection asks for quarantine; the engine store (issue 5) keeps the file.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable, Optional, Union

from translators.findings import Finding, Position
from gateway.profiles.model import (EdifactIdentity, FolderTransport, Profile, SftpTransport,
                                    X12Identity)


@dataclass(frozen=True, slots=True)
class InboundEnvelope:
    """The identities an inbound interchange names."""

    standard: str  # x12 | edifact
    sender_id: str
    receiver_id: str
    sender_qualifier: Optional[str] = None
    receiver_qualifier: Optional[str] = None
    group_sender: Optional[str] = None  # GS02 (X12) / UNG sender
    group_receiver: Optional[str] = None  # GS03 / UNG recipient
    control_number: Optional[str] = None  # ISA13 / UNB 0020
    offset: int = 0

    @classmethod
    def from_x12(cls, isa: "object", gs: "object | None" = None) -> "InboundEnvelope":
        """From translators.x12.events InterchangeStart (and the first GroupStart, if any)."""
        return cls("x12", isa.sender_id.strip(), isa.receiver_id.strip(),  # type: ignore[attr-defined]
                   isa.sender_qualifier.strip(), isa.receiver_qualifier.strip(),  # type: ignore[attr-defined]
                   gs.sender.strip() if gs is not None else None,  # type: ignore[attr-defined]
                   gs.receiver.strip() if gs is not None else None,  # type: ignore[attr-defined]
                   isa.control_number, isa.offset)  # type: ignore[attr-defined]

    @classmethod
    def from_edifact(cls, unb: "object") -> "InboundEnvelope":
        """From translators.edifact.events InterchangeStart."""
        return cls("edifact", unb.sender_id, unb.receiver_id,  # type: ignore[attr-defined]
                   unb.sender_qualifier or None, unb.receiver_qualifier or None,  # type: ignore[attr-defined]
                   None, None, unb.control_reference, unb.offset)  # type: ignore[attr-defined]

    def describe(self) -> str:
        if self.standard == "x12":
            text = (f"X12 sender {self.sender_qualifier}/{self.sender_id} to receiver "
                    f"{self.receiver_qualifier}/{self.receiver_id}")
            if self.group_sender is not None:
                text += f" (GS {self.group_sender} to {self.group_receiver})"
            return text
        sq = f":{self.sender_qualifier}" if self.sender_qualifier else ""
        rq = f":{self.receiver_qualifier}" if self.receiver_qualifier else ""
        return f"EDIFACT sender {self.sender_id}{sq} to recipient {self.receiver_id}{rq}"


@dataclass(frozen=True, slots=True)
class Channel:
    """Where a file came from: ``sftp`` user@host:port, ``as2`` AS2-From (+AS2-To), ``folder``."""

    kind: str
    account: str
    as2_to: Optional[str] = None

    @classmethod
    def sftp(cls, user: str, host: str, port: int = 22) -> "Channel":
        return cls("sftp", f"{user}@{host}:{port}")

    @classmethod
    def as2(cls, as2_from: str, as2_to: Optional[str] = None) -> "Channel":
        return cls("as2", as2_from, as2_to)

    @classmethod
    def folder(cls, path: "str | os.PathLike[str]") -> "Channel":
        return cls("folder", os.path.normpath(os.fspath(path)))

    def describe(self) -> str:
        if self.kind == "as2":
            return f"AS2 from {self.account!r}" + (f" to {self.as2_to!r}" if self.as2_to else "")
        return f"{self.kind} channel {self.account}"


@dataclass(frozen=True, slots=True)
class SecurityEvent:
    kind: str  # channel_mismatch
    channel: Channel
    channel_owner: Optional[str]  # profile owning the channel, None when no profile does
    claimed_profile: str  # profile the envelope names
    envelope: InboundEnvelope
    message: str


@dataclass(frozen=True, slots=True)
class Resolved:
    profile: Profile


@dataclass(frozen=True, slots=True)
class Rejected:
    reason: str  # unknown_sender | unknown_receiver | ambiguous | channel_mismatch | disabled
    message: str
    searched: str  # what was looked for, and in how many profiles
    candidates: tuple[str, ...] = ()
    ack: Optional[Finding] = None  # TA1/CONTRL/997 finding to send, when the standard allows
    as2_disposition: Optional[str] = None  # for an MDN, when the file came over AS2
    security_event: Optional[SecurityEvent] = None
    quarantine: bool = True


Resolution = Union[Resolved, Rejected]


def owns_channel(profile: Profile, channel: Channel) -> bool:
    settings = profile.transport.settings
    if channel.kind != profile.transport.type:
        return False
    if isinstance(settings, SftpTransport):
        return settings.channel == channel.account
    if isinstance(settings, FolderTransport):
        return os.path.normpath(str(settings.inbox)) == channel.account
    as2 = profile.identities.as2
    return as2 is not None and as2.partner == channel.account and (
        channel.as2_to is None or channel.as2_to == as2.ours)


def _opt_eq(declared: Optional[str], seen: Optional[str]) -> bool:
    return declared is None or seen is None or declared == seen


def _sender_matches(profile: Profile, env: InboundEnvelope) -> bool:
    partner = profile.identities.partner
    if isinstance(partner, X12Identity):
        return partner.isa_qualifier == env.sender_qualifier and partner.isa_id == env.sender_id
    assert isinstance(partner, EdifactIdentity)
    return partner.id == env.sender_id and _opt_eq(partner.qualifier, env.sender_qualifier)


def _receiver_matches(profile: Profile, env: InboundEnvelope) -> bool:
    ours = profile.identities.ours
    if isinstance(ours, X12Identity):
        return ours.isa_qualifier == env.receiver_qualifier and ours.isa_id == env.receiver_id
    assert isinstance(ours, EdifactIdentity)
    return ours.id == env.receiver_id and _opt_eq(ours.qualifier, env.receiver_qualifier)


def _group_matches(profile: Profile, env: InboundEnvelope) -> bool:
    partner, ours = profile.identities.partner, profile.identities.ours
    if isinstance(partner, X12Identity) and isinstance(ours, X12Identity):
        return _opt_eq(partner.gs_id, env.group_sender) and _opt_eq(ours.gs_id, env.group_receiver)
    return True


def _ack(env: InboundEnvelope, field: str, code: str, message: str) -> Finding:
    return Finding(field, code, message,
                   Position(offset=env.offset, interchange=env.control_number))


def resolve(profiles: Iterable[Profile], envelope: InboundEnvelope,
            channel: Optional[Channel] = None) -> Resolution:
    """The one profile ``envelope`` belongs to, or why there is none."""
    pool = [p for p in profiles if p.standard == envelope.standard]
    searched = envelope.describe()
    if channel is not None:
        searched += f", arrived over {channel.describe()}"
    searched += f"; searched {len(pool)} {envelope.standard} profile{'s' if len(pool) != 1 else ''}"
    x12 = envelope.standard == "x12"
    as2 = channel is not None and channel.kind == "as2"

    senders = [p for p in pool if _sender_matches(p, envelope)]
    if not senders:
        msg = f"unknown sender: no profile has {searched.split(';')[0]}"
        return Rejected("unknown_sender", msg, searched,
                        ack=_ack(envelope, "TA105" if x12 else "UCI0085", "006" if x12 else "23",
                                 "unknown interchange sender"),
                        as2_disposition="processed/error: unknown-trading-partner" if as2 else None)
    matched = [p for p in senders if _receiver_matches(p, envelope)]
    if not matched:
        names = tuple(p.name for p in senders)
        msg = (f"unknown receiver: the sender belongs to {', '.join(names)}, which address"
               f"{'es' if len(names) == 1 else ''} us by another ID than "
               f"{envelope.receiver_qualifier or ''}{'/' if x12 else ''}{envelope.receiver_id}")
        return Rejected("unknown_receiver", msg, searched, names,
                        ack=_ack(envelope, "TA105" if x12 else "UCI0085", "008" if x12 else "7",
                                 "interchange receiver is not us"),
                        as2_disposition="processed/error: unknown-trading-partner" if as2 else None)
    grouped = [p for p in matched if _group_matches(p, envelope)]
    if not grouped:
        names = tuple(p.name for p in matched)
        msg = (f"unknown application sender/receiver: GS {envelope.group_sender} to "
               f"{envelope.group_receiver} matches none of {', '.join(names)}")
        return Rejected("unknown_sender", msg, searched, names,
                        ack=_ack(envelope, "AK905", "1", "functional group not supported"),
                        as2_disposition="processed/error: unknown-trading-partner" if as2 else None)
    if len(grouped) > 1:
        names = tuple(sorted(p.name for p in grouped))
        return Rejected("ambiguous", f"ambiguous sender: profiles {', '.join(names)} all match; "
                        "tell them apart (e.g. by GS application IDs) and run profile check",
                        searched, names)
    profile = grouped[0]
    if channel is not None and not owns_channel(profile, channel):
        owners = [p.name for p in pool if owns_channel(p, channel)]
        owner = owners[0] if owners else None
        who = f"partner {owner}'s" if owner else "a"
        msg = (f"channel mismatch: the file arrived over {who} {channel.describe()} but its "
               f"envelope names partner {profile.name}")
        event = SecurityEvent("channel_mismatch", channel, owner, profile.name, envelope, msg)
        return Rejected("channel_mismatch", msg, searched, (profile.name,),
                        as2_disposition=("processed/error: authentication-failed" if as2 else None),
                        security_event=event)
    if not profile.enabled:
        return Rejected("disabled", f"profile {profile.name} is disabled (enabled: false)",
                        searched, (profile.name,))
    return Resolved(profile)


def resolve_as2(profiles: Iterable[Profile], as2_from: str, as2_to: str) -> Resolution:
    """Before decrypting an AS2 message: which profile's certificates and keys apply."""
    pool = [p for p in profiles if p.identities.as2 is not None]
    channel = Channel.as2(as2_from, as2_to)
    searched = f"{channel.describe()}; searched {len(pool)} AS2 profiles"
    matched = [p for p in pool if owns_channel(p, channel)]
    if not matched:
        return Rejected("unknown_sender", f"unknown trading partner: no profile has AS2-From "
                        f"{as2_from!r} and AS2-To {as2_to!r}", searched,
                        as2_disposition="processed/error: unknown-trading-partner")
    if len(matched) > 1:
        names = tuple(sorted(p.name for p in matched))
        return Rejected("ambiguous", f"ambiguous AS2 partner: profiles {', '.join(names)} all "
                        "match", searched, names,
                        as2_disposition="processed/error: unknown-trading-partner")
    if not matched[0].enabled:
        return Rejected("disabled", f"profile {matched[0].name} is disabled (enabled: false)",
                        searched, (matched[0].name,),
                        as2_disposition="processed/error: unknown-trading-partner")
    return Resolved(matched[0])
