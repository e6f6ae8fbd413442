using System.Text;
using Confluent.Kafka;
using Google.Protobuf;
using VitalTwin.Clinical.Consent;
using VitalTwin.Consent;
using VitalTwin.Contracts.Consent.V1;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.Kafka.Tests;

/// <summary>The one reading of consent records that the Gateway, TwinState, AnomalyDetection and the export share.</summary>
public sealed class ConsentRecordsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);
    private static readonly string Schema = ConsentRecorded.Descriptor.FullName;

    [Fact]
    public void A_record_that_keeps_the_contract_reads_as_its_consent()
    {
        var recordedAt = Now.AddDays(-400);
        var record = Record("p1", ConsentState.Monitoring, research: true, recordedAt);
        record.RecordedBy = "registrar-7";
        record.Reference = "form-2026-118";

        var consent = ConsentRecords.Read(Event("p1", Schema, record.ToByteArray()), Now);

        Assert.Equal(new PatientConsent("p1", ConsentStatus.Monitoring, true, recordedAt, "registrar-7", "form-2026-118"), consent);
    }

    [Fact]
    public void A_consent_recorded_decades_ago_is_still_in_force()
    {
        var consent = ConsentRecords.Read(Event("p1", Schema, Record("p1", ConsentState.Monitoring, research: false, Now.AddYears(-20)).ToByteArray()), Now);

        Assert.Equal(ConsentStatus.Monitoring, consent.Status);
    }

    [Theory]
    [InlineData(ConsentState.Refused, ConsentStatus.Refused)]
    [InlineData(ConsentState.Withdrawn, ConsentStatus.Withdrawn)]
    public void Refusal_and_withdrawal_read_as_such(ConsentState state, ConsentStatus status)
    {
        var consent = ConsentRecords.Read(Event("p1", Schema, Record("p1", state, research: false, Now).ToByteArray()), Now);

        Assert.Equal(status, consent.Status);
        Assert.False(consent.AllowsMonitoring);
    }

    public static TheoryData<string, string?, byte[]> BrokenRecords => new()
    {
        { "another schema", "vitaltwin.consent.v2.ConsentRecorded", Record("p1", ConsentState.Monitoring, false, Now).ToByteArray() },
        { "no schema", null, Record("p1", ConsentState.Monitoring, false, Now).ToByteArray() },
        { "an empty value without a schema", null, [] },
        { "a payload that does not decode", Schema, [0xFF, 0xFF, 0xFF] },
        { "no state", Schema, Record("p1", ConsentState.Unspecified, false, Now).ToByteArray() },
        { "a state of a later contract", Schema, Record("p1", (ConsentState)9, false, Now).ToByteArray() },
        { "another patient's id", Schema, Record("p2", ConsentState.Monitoring, false, Now).ToByteArray() },
        { "research with a refusal", Schema, Record("p1", ConsentState.Refused, true, Now).ToByteArray() },
        { "research with a withdrawal", Schema, Record("p1", ConsentState.Withdrawn, true, Now).ToByteArray() },
        { "no recording time", Schema, Record("p1", ConsentState.Monitoring, false, recordedAt: null).ToByteArray() },
        { "a recording time hours ahead", Schema, Record("p1", ConsentState.Monitoring, false, Now.AddHours(2)).ToByteArray() },
        { "a recording time before the epoch", Schema, Record("p1", ConsentState.Monitoring, false, new DateTimeOffset(1969, 12, 31, 0, 0, 0, TimeSpan.Zero)).ToByteArray() },
        { "an invalid timestamp", Schema, new ConsentRecorded { PatientId = "p1", State = ConsentState.Monitoring, RecordedAt = new Timestamp { Seconds = Now.ToUnixTimeSeconds(), Nanos = -1 } }.ToByteArray() },
    };

    [Theory]
    [MemberData(nameof(BrokenRecords))]
    public void A_record_that_breaks_the_contract_reads_as_unreadable_which_refuses(string breach, string? schema, byte[] value)
    {
        var consent = ConsentRecords.Read(Event("p1", schema, value), Now);

        Assert.True(consent == PatientConsent.Unreadable("p1", Now), breach);
        Assert.False(ConsentBook.MayProcess(consent, WithoutConsentRecord.Monitor), breach);
        Assert.False(ResearchCohort.AllowsResearch(consent), breach);
    }

    [Fact]
    public void A_tombstone_forgets_a_monitoring_record_so_the_deployments_default_applies_again()
    {
        var book = new ConsentBook(WithoutConsentRecord.Refuse);
        ConsentRecords.Apply(book, Event("p1", Schema, Record("p1", ConsentState.Monitoring, false, Now).ToByteArray()), Now);
        Assert.True(book.MayProcess("p1"));

        var after = ConsentRecords.Apply(book, Event("p1", schema: null, value: null), Now);

        Assert.Null(after);
        Assert.Null(book.Find("p1"));
        Assert.False(book.MayProcess("p1"));
    }

    [Theory]
    [InlineData(ConsentState.Refused)]
    [InlineData(ConsentState.Withdrawn)]
    public void A_tombstone_after_a_refusal_or_withdrawal_leaves_it_in_force(ConsentState state)
    {
        var book = new ConsentBook(WithoutConsentRecord.Monitor);
        ConsentRecords.Apply(book, Event("p1", Schema, Record("p1", ConsentState.Monitoring, false, Now).ToByteArray()), Now);
        ConsentRecords.Apply(book, Event("p1", Schema, Record("p1", state, false, Now).ToByteArray()), Now);

        var after = ConsentRecords.Apply(book, Event("p1", schema: null, value: null), Now);

        Assert.Equal(ConsentMapping.ToStatus(state), after?.Status);
        Assert.False(book.MayProcess("p1"));
    }

    [Fact]
    public void An_unreadable_record_replaces_a_monitoring_consent_until_a_readable_one_follows()
    {
        var book = new ConsentBook(WithoutConsentRecord.Monitor);
        ConsentRecords.Apply(book, Event("p1", Schema, Record("p1", ConsentState.Monitoring, false, Now).ToByteArray()), Now);

        var unreadable = ConsentRecords.Apply(book, Event("p1", Schema, [0xFF, 0xFF]), Now);

        Assert.Equal(ConsentStatus.Unreadable, unreadable?.Status);
        Assert.False(book.MayProcess("p1"));
        ConsentRecords.Apply(book, Event("p1", Schema, Record("p1", ConsentState.Monitoring, false, Now).ToByteArray()), Now);
        Assert.True(book.MayProcess("p1"));
    }

    [Fact]
    public void A_consent_written_to_the_contract_reads_back_unchanged()
    {
        var consent = new PatientConsent("p1", ConsentStatus.Monitoring, true, Now.AddMinutes(-3), "registrar-7", "form-9");

        var read = ConsentRecords.Read(Event("p1", Schema, consent.ToContract().ToByteArray()), Now);

        Assert.Equal(consent, read);
        Assert.Throws<InvalidOperationException>(() => PatientConsent.Unreadable("p1", Now).ToContract());
    }

    internal static ConsentRecorded Record(string patientId, ConsentState state, bool research, DateTimeOffset? recordedAt) => new()
    {
        PatientId = patientId,
        State = state,
        ResearchAllowed = research,
        RecordedAt = recordedAt is { } at ? Timestamp.FromDateTimeOffset(at) : null,
    };

    /// <summary>A record as the consumer hands it over: key, headers as the producers write them, and the value (null: none).</summary>
    internal static ConsumedEvent Event(string key, string? schema, byte[]? value)
    {
        var headers = new Headers();
        if (schema is not null)
        {
            headers.Add(EventHeaders.Schema, Encoding.UTF8.GetBytes(schema));
        }
        return new ConsumedEvent(new ConsumeResult<string, byte[]>
        {
            TopicPartitionOffset = new TopicPartitionOffset("vitaltwin.consent.v1", 0, 0),
            Message = new Message<string, byte[]> { Key = key, Value = value!, Headers = headers },
        });
    }
}
