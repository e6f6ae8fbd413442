using Google.Protobuf;
using VitalTwin.Consent;
using VitalTwin.Contracts.Consent.V1;
using static VitalTwin.Kafka.Tests.ConsentRecordsTests;

namespace VitalTwin.Kafka.Tests;

/// <summary>The research decision of the population export, from the same reading of consent records as the services'.</summary>
public sealed class ResearchCohortTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);
    private static readonly string Schema = ConsentRecorded.Descriptor.FullName;

    [Theory]
    [InlineData(ConsentState.Monitoring, true, true)]
    [InlineData(ConsentState.Monitoring, false, false)]
    [InlineData(ConsentState.Refused, true, false)]
    [InlineData(ConsentState.Withdrawn, true, false)]
    [InlineData(ConsentState.Unspecified, true, false)]
    public void Only_monitoring_with_research_allowed_admits_a_patient(ConsentState state, bool research, bool admitted)
    {
        var cohort = new ResearchCohort();

        cohort.Apply(Consent("p1", state, research), Now);

        Assert.Equal(admitted, cohort.ResearchConsented.Contains("p1"));
        Assert.Equal(1, cohort.PatientsWithRecord);
    }

    [Fact]
    public void The_latest_record_of_a_key_decides()
    {
        var cohort = new ResearchCohort();

        cohort.Apply(Consent("p1", ConsentState.Monitoring, true), Now);
        cohort.Apply(Consent("p1", ConsentState.Withdrawn, false), Now);
        cohort.Apply(Consent("p2", ConsentState.Refused, false), Now);
        cohort.Apply(Consent("p2", ConsentState.Monitoring, true), Now);

        Assert.Equal(["p2"], cohort.ResearchConsented);
    }

    [Fact]
    public void A_tombstone_deletes_the_record_and_its_consent()
    {
        var cohort = new ResearchCohort();

        cohort.Apply(Consent("p1", ConsentState.Monitoring, true), Now);
        cohort.Apply(Event("p1", schema: null, value: null), Now);

        Assert.Empty(cohort.ResearchConsented);
        Assert.Equal(0, cohort.PatientsWithRecord);
    }

    [Fact]
    public void Doubt_counts_as_no_consent()
    {
        var cohort = new ResearchCohort();
        foreach (var key in new[] { "foreign", "unreadable", "headerless", "another", "undated" })
        {
            cohort.Apply(Consent(key, ConsentState.Monitoring, true), Now);
        }

        cohort.Apply(Event("foreign", "vitaltwin.consent.v2.ConsentRecorded", Record("foreign", ConsentState.Monitoring, true, Now).ToByteArray()), Now);
        cohort.Apply(Event("unreadable", Schema, [0xFF, 0xFF, 0xFF]), Now);
        cohort.Apply(Event("headerless", schema: null, Record("headerless", ConsentState.Monitoring, true, Now).ToByteArray()), Now);
        cohort.Apply(Event("another", Schema, Record("somebody-else", ConsentState.Monitoring, true, Now).ToByteArray()), Now);
        cohort.Apply(Event("undated", Schema, Record("undated", ConsentState.Monitoring, true, recordedAt: null).ToByteArray()), Now);

        Assert.Empty(cohort.ResearchConsented);
        Assert.Equal(5, cohort.PatientsWithRecord);
    }

    [Fact]
    public void A_record_without_a_key_belongs_to_nobody()
    {
        var cohort = new ResearchCohort();

        cohort.Apply(Event(string.Empty, Schema, Record(string.Empty, ConsentState.Monitoring, true, Now).ToByteArray()), Now);

        Assert.Equal(0, cohort.PatientsWithRecord);
    }

    private static ConsumedEvent Consent(string patientId, ConsentState state, bool research) =>
        Event(patientId, Schema, Record(patientId, state, research, Now.AddDays(-1)).ToByteArray());
}
