using Confluent.Kafka;
using Google.Protobuf;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;
using VitalTwin.Clinical.Consent;
using VitalTwin.Contracts.Consent.V1;
using VitalTwin.Kafka;

namespace VitalTwin.Consent;

/// <summary>
/// Records of the consent topic as the domain's consents: the one reading every service and tool shares, so that a
/// record one of them takes as a refusal is one everywhere. A record counts only if it has the ConsentRecorded schema,
/// decodes, records a known state, names the patient it is keyed by, allows research only with monitoring and was
/// recorded at a plausible time. Any other record might have been a refusal, so it reads as
/// <see cref="ConsentStatus.Unreadable"/>. Records without a key belong to no patient; callers skip or dead-letter them.
/// </summary>
public static class ConsentRecords
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The record as a consent; one that breaks the contract reads as <see cref="ConsentStatus.Unreadable"/>, recorded at <paramref name="now"/>.</summary>
    public static PatientConsent Read(ConsumedEvent consumed, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(consumed);
        if (consumed.Is(ConsentRecorded.Descriptor))
        {
            try
            {
                var recorded = consumed.Parse(ConsentRecorded.Parser);
                if (ConsentMapping.ToStatus(recorded.State) is { } status
                    && string.Equals(recorded.PatientId, consumed.Key, StringComparison.Ordinal)
                    && (!recorded.ResearchAllowed || status == ConsentStatus.Monitoring)
                    && IsPlausibleRecordingTime(recorded.RecordedAt, now))
                {
                    return new PatientConsent(recorded.PatientId, status, recorded.ResearchAllowed, recorded.RecordedAt.ToDateTimeOffset(), recorded.RecordedBy, recorded.Reference);
                }
            }
            catch (InvalidProtocolBufferException)
            {
                // Falls through: a record that cannot be decoded might have been a refusal.
            }
        }

        return PatientConsent.Unreadable(consumed.Key, now);
    }

    /// <summary>
    /// Applies a consent record or tombstone to <paramref name="book"/>; returns the patient's consent afterwards (null:
    /// none on record). A tombstone lifts no refusal or withdrawal (<see cref="ConsentBook.Forget"/>).
    /// </summary>
    public static PatientConsent? Apply(ConsentBook book, ConsumedEvent consumed, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(book);
        if (consumed.IsTombstone)
        {
            book.Forget(consumed.Key);
            return book.Find(consumed.Key);
        }

        var consent = Read(consumed, now);
        book.Apply(consent);
        return consent;
    }

    /// <summary>
    /// Fills <paramref name="book"/> from one partition of the consent topic, start to end: the consents of the
    /// patients a partition number holds, before any of their readings is handled.
    /// </summary>
    public static void Restore(ConsentBook book, KafkaOptions kafka, TopicPartition partition, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(book);
        CompactedTopicReader.ReadToEnd(kafka, partition, ReadTimeout, consumed =>
        {
            if (!string.IsNullOrEmpty(consumed.Key))
            {
                Apply(book, consumed, now);
            }
        }, cancellationToken);
    }
    // A consent stays in force for as long as the patient is monitored, years if need be, so unlike a reading it has
    // no age limit. A time before the epoch, or ahead of the clock skew any Gateway accepts, is a broken or forged record.
    private static readonly TimeSpan MaxAhead = TimeSpan.FromHours(1);

    private static bool IsPlausibleRecordingTime(Timestamp? time, DateTimeOffset now) =>
        time is { Nanos: >= 0 and <= 999_999_999, Seconds: >= 0 and <= 253_402_300_799 } && time.ToDateTimeOffset() <= now + MaxAhead;
}
