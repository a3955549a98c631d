"""Telephony: SIP trunks, phone numbers, calls with their transcript turns and events."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from betool.crypto import EncryptedTextField
from betool.models import Workspace
from pipelines.models import Pipeline, PipelineVersion
from voice_models.models import VoiceModel


class TrunkDirection(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"
    BOTH = "both", "Inbound and outbound"


class SipTransport(models.TextChoices):
    UDP = "udp", "UDP"
    TCP = "tcp", "TCP"
    TLS = "tls", "TLS"


class SyncStatus(models.TextChoices):
    """Where a record stands with LiveKit: written there, waiting to be, or refused."""

    PENDING = "pending", "Pending"
    SYNCED = "synced", "Synced"
    ERROR = "error", "Error"


# The codecs a trunk may prefer, by their SDP names (LiveKit SIP's names), with the clock
# rate their SDP names carry (G722's is 8000 by the RFC's historical mistake).
SIP_CODEC_RATES = {"PCMU": 8000, "PCMA": 8000, "G722": 8000, "opus": 48000, "telephone-event": 8000}
SIP_CODECS = tuple(SIP_CODEC_RATES)
# The ones that carry the voice over livekit-sip's SIP side (its opus is the room's).
SIP_VOICE_CODECS = ("PCMU", "PCMA", "G722")


def validate_source_address(value: str) -> None:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError as exc:
        raise ValidationError(
            f"{value!r} is not an IP address or a network (e.g. 203.0.113.10 or 203.0.113.0/24)."
        ) from exc


class ProvisionedInLiveKit(models.Model):
    """Sync state of a record that betool writes to LiveKit."""

    sync_status = models.CharField(
        max_length=8, choices=SyncStatus.choices, default=SyncStatus.PENDING
    )
    sync_error = models.TextField(blank=True, help_text="Why the last sync with LiveKit failed")
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class Trunk(ProvisionedInLiveKit):
    """A carrier's SIP trunk, mirrored by LiveKit SIP inbound/outbound trunks.

    Its numbers are the PhoneNumbers attached to it. The outbound credentials (``username``,
    ``password``) are what betool presents to the carrier; the inbound ones are what the
    carrier must present to LiveKit.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="trunks")
    name = models.CharField(max_length=120)
    direction = models.CharField(
        max_length=8, choices=TrunkDirection.choices, default=TrunkDirection.BOTH
    )
    address = models.CharField(
        max_length=255, blank=True, help_text="Carrier SIP host[:port], where outbound calls go"
    )
    transport = models.CharField(
        max_length=3, choices=SipTransport.choices, default=SipTransport.UDP
    )
    username = models.CharField(
        max_length=120, blank=True, help_text="Outbound: the user betool signs in to the carrier as"
    )
    password = EncryptedTextField(blank=True, default="")
    inbound_username = models.CharField(
        max_length=120, blank=True, help_text="Inbound: the user the carrier must authenticate as"
    )
    inbound_password = EncryptedTextField(blank=True, default="")
    allowed_addresses = models.JSONField(
        default=list, blank=True, help_text="Inbound: carrier IP addresses or networks (CIDR)"
    )
    codecs = models.JSONField(
        default=list, blank=True, help_text=f"Preferred codecs, in order: {', '.join(SIP_CODECS)}"
    )
    max_concurrent_calls = models.PositiveIntegerField(default=10)
    supports_refer = models.BooleanField(
        default=False, help_text="The carrier accepts SIP REFER (needed to transfer calls)"
    )
    livekit_inbound_trunk_id = models.CharField(max_length=64, blank=True)
    livekit_outbound_trunk_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def carries_inbound(self) -> bool:
        return self.direction in (TrunkDirection.INBOUND, TrunkDirection.BOTH)

    @property
    def carries_outbound(self) -> bool:
        return self.direction in (TrunkDirection.OUTBOUND, TrunkDirection.BOTH)

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.carries_outbound and not self.address.strip():
            errors.setdefault("address", []).append(
                "An outbound trunk needs the carrier's SIP address (host or host:port)."
            )
        if not isinstance(self.allowed_addresses, list):
            errors.setdefault("allowed_addresses", []).append("Give a list of addresses.")
        else:
            for address in self.allowed_addresses:
                try:
                    validate_source_address(str(address))
                except ValidationError as exc:
                    errors.setdefault("allowed_addresses", []).extend(exc.messages)
        if not isinstance(self.codecs, list):
            errors.setdefault("codecs", []).append("Give a list of codec names.")
        else:
            unknown = [str(c) for c in self.codecs if c not in SIP_CODECS]
            if unknown:
                errors.setdefault("codecs", []).append(
                    f"Unknown codec(s) {', '.join(unknown)}; use {', '.join(SIP_CODECS)}."
                )
            elif self.codecs and not any(c in SIP_VOICE_CODECS for c in self.codecs):
                errors.setdefault("codecs", []).append(
                    "Only the listed codecs are offered: include a voice codec the phone line "
                    f"carries ({', '.join(SIP_VOICE_CODECS)}), or leave the list empty for "
                    "LiveKit's defaults."
                )
        if bool(self.inbound_username) != bool(self.inbound_password):
            errors.setdefault("inbound_username", []).append(
                "Inbound authentication needs both a username and a password."
            )
        if self.max_concurrent_calls < 1:
            errors.setdefault("max_concurrent_calls", []).append("Allow at least one call.")
        if errors:
            raise ValidationError(errors)


E164_MESSAGE = (
    "Enter the number in E.164 form: a + then the country code and the number, digits only, "
    "8 to 15 digits in all (e.g. +15550100)."
)
validate_e164 = RegexValidator(r"^\+[1-9]\d{7,14}$", E164_MESSAGE)


class BargeInMode(models.TextChoices):
    # The values of pipelines.barge_in.BargeInMode.
    NONE = "none", "Nothing: the agent is never cut off"
    SPEECH = "speech", "Speaking"
    DTMF = "dtmf", "A key"
    ANY = "any", "Speaking or a key"


class BargeInSensitivity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class PhoneNumber(ProvisionedInLiveKit):
    """A number callers dial; it answers with its pipeline's latest published version, or
    with the version it is pinned to (so it can stay on v3 while v4 is tested)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="phone_numbers")
    e164 = models.CharField(
        max_length=20,
        unique=True,
        validators=[validate_e164],
        help_text="+15550100",
        error_messages={"unique": "This number is already configured."},
    )
    label = models.CharField(max_length=120, blank=True)
    trunk = models.ForeignKey(
        Trunk, null=True, blank=True, on_delete=models.SET_NULL, related_name="numbers"
    )
    pipeline = models.ForeignKey(
        Pipeline, null=True, blank=True, on_delete=models.PROTECT, related_name="numbers"
    )
    pinned_version = models.ForeignKey(
        PipelineVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Blank: the latest published version answers.",
    )
    enabled = models.BooleanField(default=True)
    language = models.CharField(max_length=16, default="en")
    max_call_duration_s = models.PositiveIntegerField(default=1800)
    silence_timeout_s = models.PositiveIntegerField(
        default=15, help_text="Caller silence before a re-prompt; twice that hangs up."
    )
    transfer_target = models.CharField(
        max_length=200, blank=True, help_text="Default transfer destination (tel: or sip: URI)"
    )
    # How callers may interrupt the agent on this number; speaking nodes may override it.
    barge_in_mode = models.CharField(
        max_length=8, choices=BargeInMode.choices, default=BargeInMode.ANY
    )
    barge_in_sensitivity = models.CharField(
        max_length=8, choices=BargeInSensitivity.choices, default=BargeInSensitivity.MEDIUM
    )
    asr_model = models.ForeignKey(
        VoiceModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tts_model = models.ForeignKey(
        VoiceModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    llm_model = models.ForeignKey(
        VoiceModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    max_concurrent_calls = models.PositiveIntegerField(
        null=True, blank=True, help_text="Blank: only the trunk's and workspace's limits apply."
    )
    # Off by default; the pipeline's settings may turn recording on too.
    record_calls = models.BooleanField(default=False)
    recording_consent_line = models.CharField(
        max_length=300, blank=True, help_text="Said before the greeting when calls are recorded."
    )
    livekit_dispatch_rule_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["e164"]

    def __str__(self) -> str:
        return f"{self.e164} {self.label}".strip()

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for field, model in (("trunk", Trunk), ("pipeline", Pipeline)):
            related_id = getattr(self, f"{field}_id")
            if related_id is None:
                continue
            owner = model.objects.filter(pk=related_id).values_list("workspace_id", flat=True)
            if not owner:
                errors[field] = f"There is no {field} {related_id}."
            elif owner[0] != self.workspace_id:
                errors[field] = f"This {field} belongs to another workspace."
        errors.update(self._voice_model_errors())
        if self.pinned_version_id is not None:
            version = PipelineVersion.objects.filter(pk=self.pinned_version_id).first()
            if version is None or version.pipeline_id != self.pipeline_id:
                errors["pinned_version"] = "Pin a published version of this number's pipeline."
        if self.max_concurrent_calls is not None and self.max_concurrent_calls < 1:
            errors["max_concurrent_calls"] = "Allow at least one call, or leave it blank."
        if errors:
            raise ValidationError(errors)

    def _voice_model_errors(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        for field, kind in (("asr_model", "asr"), ("tts_model", "tts"), ("llm_model", "llm")):
            related_id = getattr(self, f"{field}_id")
            if related_id is None:
                continue
            found = VoiceModel.objects.filter(pk=related_id).values("workspace_id", "kind").first()
            if found is None or found["workspace_id"] != self.workspace_id:
                errors[field] = "Choose one of this workspace's voice models."
            elif found["kind"] != kind:
                errors[field] = f"This voice model does not do {VoiceModel.kind_label(kind)}."
        return errors


class CallDirection(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"


class CallChannel(models.TextChoices):
    """How the caller reached the pipeline: a phone line, or the editor's test panel."""

    PHONE = "phone", "Phone"
    BROWSER_VOICE = "browser_voice", "Voice test"
    BROWSER_CHAT = "browser_chat", "Chat test"


class CallStatus(models.TextChoices):
    RINGING = "ringing", "Ringing"
    CONNECTED = "connected", "Connected"
    ACTIVE = "active", "Active"
    ON_HOLD = "on_hold", "On hold"
    TRANSFERRED = "transferred", "Transferred"
    ENDED = "ended", "Ended"


# The timestamp field that records when a call reached each status.
STATUS_TIMESTAMP = {
    CallStatus.RINGING: "ringing_at",
    CallStatus.CONNECTED: "connected_at",
    CallStatus.ACTIVE: "active_at",
    CallStatus.ON_HOLD: "on_hold_at",
    CallStatus.TRANSFERRED: "transferred_at",
    CallStatus.ENDED: "ended_at",
}


class CallEndReason(models.TextChoices):
    CALLER_HANGUP = "caller_hangup", "Caller hung up"
    AGENT_HANGUP = "agent_hangup", "Agent hung up"
    TRANSFERRED = "transferred", "Transferred"
    MAX_DURATION = "max_duration", "Maximum duration reached"
    SILENCE_TIMEOUT = "silence_timeout", "Caller silent"
    NO_ANSWER = "no_answer", "No answer"
    BUSY = "busy", "Busy"
    REJECTED = "rejected", "Rejected"
    ERROR = "error", "Error"
    WORKER_LOST = "worker_lost", "Worker lost"
    OUT_OF_CREDIT = "out_of_credit", "Credits ran out"
    # Ended by livekit-sip itself: the caller's media stopped, or the answer was never ACKed.
    MEDIA_TIMEOUT = "media_timeout", "Caller's audio stopped"
    NO_ACK = "no_ack", "Answer not acknowledged"
    # A browser chat test whose panel was closed or reset.
    TEST_CLOSED = "test_closed", "Test panel closed"
    # Never answered: over a limit, out of credit, or nothing to answer with (the Call's
    # ``refusal_reason`` says which); not billed.
    REFUSED = "refused", "Refused"


class AnsweredBy(models.TextChoices):
    """Who took an outbound call, as answering-machine detection judged it."""

    PERSON = "person", "A person"
    MACHINE = "machine", "Voicemail"
    UNKNOWN = "unknown", "Not known"


class AnsweringMachineMode(models.TextChoices):
    """What an outbound call does about voicemail: detect it and take the Start node's
    voicemail branch, or treat whoever answers as a person."""

    DETECT = "detect", "Detect and branch"
    IGNORE = "ignore", "Ignore"


class Call(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="calls")
    direction = models.CharField(
        max_length=8, choices=CallDirection.choices, default=CallDirection.INBOUND
    )
    from_number = models.CharField(max_length=40, blank=True)
    to_number = models.CharField(max_length=40, blank=True)
    number = models.ForeignKey(
        PhoneNumber, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    pipeline_version = models.ForeignKey(
        PipelineVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    # A browser voice test of the draft has a pipeline and no version: it runs the draft.
    pipeline = models.ForeignKey(
        Pipeline, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    room_name = models.CharField(max_length=128, db_index=True)
    status = models.CharField(max_length=12, choices=CallStatus.choices, default=CallStatus.RINGING)
    end_reason = models.CharField(max_length=16, choices=CallEndReason.choices, blank=True)
    # Why a refused call was refused (``CallRejected.reason``: trunk_busy, no_credits, …).
    refusal_reason = models.CharField(max_length=32, blank=True)
    is_test = models.BooleanField(default=False)
    channel = models.CharField(
        max_length=16, choices=CallChannel.choices, default=CallChannel.PHONE
    )
    # Who ran a browser test (voice or chat); phone calls have no betool user.
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    transfer_target = models.CharField(max_length=200, blank=True)
    # What a warm transfer told the person who took the call.
    transfer_summary = models.TextField(blank=True)
    # Outbound calls screened for an answering machine: the verdict and what it rested on
    # (greeting length, beep, phrases); blank when the call was not screened.
    answered_by = models.CharField(max_length=8, choices=AnsweredBy.choices, blank=True)
    answered_by_evidence = models.JSONField(default=dict, blank=True)
    usage = models.JSONField(default=dict, blank=True)
    # The conversation's variables when it ended (requests sent after the call read them).
    variables = models.JSONField(default=dict, blank=True)
    # When the call began (its first status), as the service that started it says.
    created_at = models.DateTimeField(default=timezone.now)
    ringing_at = models.DateTimeField(null=True, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    active_at = models.DateTimeField(null=True, blank=True)
    on_hold_at = models.DateTimeField(null=True, blank=True)
    transferred_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "created_at"]),
            models.Index(fields=["workspace", "status"]),
        ]

    def __str__(self) -> str:
        return f"call {self.pk} {self.from_number} → {self.to_number} ({self.status})"

    @property
    def duration_s(self) -> float | None:
        if self.connected_at is None:
            return None
        if self.ended_at is None:
            return None
        return (self.ended_at - self.connected_at).total_seconds()


class CallTurn(models.Model):
    """One exchange: what the caller said, what the agent answered, how long each step took."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="turns")
    sequence = models.PositiveIntegerField()
    user_text = models.TextField(blank=True)
    agent_text = models.TextField(blank=True)
    interrupted = models.BooleanField(default=False)
    reason = models.CharField(max_length=24, blank=True, help_text="The engine's turn_end reason")
    fallback = models.BooleanField(default=False)
    # {"stt_ms", "engine_first_text_ms", "tts_first_audio_ms", "end_to_end_ms", ...}
    latencies = models.JSONField(default=dict, blank=True)
    trace = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField()

    class Meta:
        ordering = ["call", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["call", "sequence"], name="one_turn_per_sequence")
        ]

    def __str__(self) -> str:
        return f"turn {self.sequence} of call {self.call_id}"


class CallEventKind(models.TextChoices):
    LIFECYCLE = "lifecycle", "Lifecycle"
    TOOL = "tool", "Tool"
    ACTION = "action", "Voice action"
    DTMF = "dtmf", "DTMF"
    ERROR = "error", "Error"


class CallEvent(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=CallEventKind.choices)
    name = models.CharField(max_length=64)
    data = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["call", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind}:{self.name} on call {self.call_id}"


class AnalysisStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    SUCCEEDED = "succeeded", "Done"
    FAILED = "failed", "Failed"


class CallAnalysis(models.Model):
    """What a language model read in the call's transcript, as the pipeline's settings asked:
    a summary, an outcome from the designer's list, typed fields. ``run`` counts re-runs."""

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="analysis")
    status = models.CharField(
        max_length=12, choices=AnalysisStatus.choices, default=AnalysisStatus.PENDING
    )
    run = models.PositiveIntegerField(default=1)
    summary = models.TextField(blank=True)
    outcome = models.CharField(max_length=60, blank=True, db_index=True)
    fields = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True)
    model_name = models.CharField(max_length=120, blank=True)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"analysis of call {self.call_id} ({self.status})"


class Recording(models.Model):
    """A call's audio as it was heard: the caller on the left channel, the agent on the
    right, on one timeline that starts at ``started_at``."""

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="recording")
    # The file's name in the recordings storage (``settings.STORAGES["recordings"]``).
    storage_key = models.CharField(max_length=255)
    format = models.CharField(max_length=16, default="ogg_opus")
    content_type = models.CharField(max_length=40, default="audio/ogg")
    channels = models.PositiveSmallIntegerField(default=2)
    duration_s = models.FloatField()
    size_bytes = models.PositiveBigIntegerField()
    # Wall time of the recording's first sample: turns are placed on it by their start.
    started_at = models.DateTimeField()
    # A worker that died left it: it ends where the last write did.
    partial = models.BooleanField(default=False)
    # Per channel, the loudest sample of each of the waveform's bins (0 to 1, two decimals).
    peaks = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"recording of call {self.call_id} ({self.duration_s:.1f} s)"


class RecordingAccessKind(models.TextChoices):
    STREAM = "stream", "Played"
    DOWNLOAD = "download", "Downloaded"


class RecordingAccess(models.Model):
    """Who listened to or downloaded a recording, and when (kept as long as the call)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="recording_accesses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept when the user is deleted: the log still says who it was.
    username = models.CharField(max_length=150)
    kind = models.CharField(max_length=8, choices=RecordingAccessKind.choices)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["call", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.username} {self.kind} call {self.call_id}"
