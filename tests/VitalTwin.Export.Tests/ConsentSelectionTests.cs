using VitalTwin.Contracts.Consent.V1;
using VitalTwin.Export.Pseudonymisation;

namespace VitalTwin.Export.Tests;

/// <summary>Who is exported: the consent topic read from the embedded Kafka, the history from influxd.</summary>
[Collection(ExportServersCollection.Name)]
public sealed class ConsentSelectionTests(ExportServers servers)
{
    [Fact]
    public async Task Only_patients_whose_latest_record_is_monitoring_with_research_allowed_are_exported()
    {
        var cohort = new Cohort();
        var topic = servers.NewConsentTopic();
        var consented = cohort.NewPatient();
        var reconsented = cohort.NewPatient();
        var researchNotAllowed = cohort.NewPatient();
        var refused = cohort.NewPatient();
        var withdrawn = cohort.NewPatient();
        var withoutRecord = cohort.NewPatient();
        var tombstoned = cohort.NewPatient();
        var foreignSchema = cohort.NewPatient();
        var unreadable = cohort.NewPatient();
        var keyedByAnother = cohort.NewPatient();
        string[] everyone = [consented, reconsented, researchNotAllowed, refused, withdrawn, withoutRecord, tombstoned, foreignSchema, unreadable, keyedByAnother];

        await servers.RecordConsentAsync(topic, consented, ConsentState.Monitoring, researchAllowed: true);
        await servers.RecordConsentAsync(topic, reconsented, ConsentState.Withdrawn, researchAllowed: false);
        await servers.RecordConsentAsync(topic, reconsented, ConsentState.Monitoring, researchAllowed: true);
        await servers.RecordConsentAsync(topic, researchNotAllowed, ConsentState.Monitoring, researchAllowed: false);
        await servers.RecordConsentAsync(topic, refused, ConsentState.Refused, researchAllowed: true);
        await servers.RecordConsentAsync(topic, withdrawn, ConsentState.Monitoring, researchAllowed: true);
        await servers.RecordConsentAsync(topic, withdrawn, ConsentState.Withdrawn, researchAllowed: false);
        await servers.RecordConsentAsync(topic, tombstoned, ConsentState.Monitoring, researchAllowed: true);
        await servers.PublishAsync(topic, tombstoned, schema: null, value: null);
        await servers.RecordConsentAsync(topic, foreignSchema, ConsentState.Monitoring, researchAllowed: true);
        await servers.PublishAsync(topic, foreignSchema, "vitaltwin.consent.v2.ConsentRecorded", [0x08, 0x01]);
        await servers.RecordConsentAsync(topic, unreadable, ConsentState.Monitoring, researchAllowed: true);
        await servers.PublishAsync(topic, unreadable, ConsentRecorded.Descriptor.FullName, [0xFF, 0xFF, 0xFF, 0xFF]);
        await servers.PublishAsync(topic, keyedByAnother, ConsentRecorded.Descriptor.FullName,
            Google.Protobuf.MessageExtensions.ToByteArray(new ConsentRecorded { PatientId = consented, State = ConsentState.Monitoring, ResearchAllowed = true }));
        foreach (var patient in everyone)
        {
            await servers.StoreAsync(cohort.HeartRates(patient, TimeSpan.Zero, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2)));
        }

        var key = ExportRun.NewKey();
        var run = await ExportRun.StartAsync(servers.Settings(topic, key), Cohort.From, Cohort.To);

        Assert.True(run.ExitCode == 0, run.Error);
        var pseudonymiser = new Pseudonymiser(Convert.FromBase64String(key));
        var rows = run.Rows();
        Assert.Equal(
            new[] { consented, reconsented }.Select(pseudonymiser.Pseudonym).Order(StringComparer.Ordinal),
            rows.Select(row => row.Pseudonym).Distinct().Order(StringComparer.Ordinal));
        Assert.All(rows.GroupBy(row => row.Pseudonym), patient => Assert.Equal(3, patient.Count()));

        var counts = run.Manifest().GetProperty("counts");
        Assert.Equal(8, counts.GetProperty("patientsWithConsentRecord").GetInt32());
        Assert.Equal(2, counts.GetProperty("researchConsented").GetInt32());
        Assert.Equal(2, counts.GetProperty("patientsExported").GetInt32());
        Assert.Equal(6, counts.GetProperty("readings").GetInt64());
        Assert.Contains(run.Logs, line => line.Contains("Progress: 2/2 patients, 6 readings written", StringComparison.Ordinal));
        Assert.StartsWith("Export: 2 patients, 6 readings in ", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_research_consented_patient_without_readings_in_the_range_is_counted_but_has_no_rows()
    {
        var cohort = new Cohort();
        var topic = servers.NewConsentTopic();
        var active = cohort.NewPatient();
        var quiet = cohort.NewPatient();
        await servers.RecordConsentAsync(topic, active, ConsentState.Monitoring, researchAllowed: true);
        await servers.RecordConsentAsync(topic, quiet, ConsentState.Monitoring, researchAllowed: true);
        await servers.StoreAsync(cohort.Minutely(active, 5));
        await servers.StoreAsync(cohort.HeartRates(quiet, TimeSpan.FromDays(-3)));

        var run = await ExportRun.StartAsync(servers.Settings(topic, ExportRun.NewKey()), Cohort.From, Cohort.To);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Single(run.Rows().Select(row => row.Pseudonym).Distinct());
        var counts = run.Manifest().GetProperty("counts");
        Assert.Equal(2, counts.GetProperty("researchConsented").GetInt32());
        Assert.Equal(1, counts.GetProperty("patientsExported").GetInt32());
    }

    [Fact]
    public async Task A_consent_key_the_history_store_cannot_hold_as_a_patient_id_exports_nothing_and_fails_nothing()
    {
        var cohort = new Cohort();
        var topic = servers.NewConsentTopic();
        var patient = cohort.NewPatient();
        var unstorable = $"{cohort.NewPatient()}\u0007";
        await servers.RecordConsentAsync(topic, patient, ConsentState.Monitoring, researchAllowed: true);
        await servers.RecordConsentAsync(topic, unstorable, ConsentState.Monitoring, researchAllowed: true);
        await servers.StoreAsync(cohort.Minutely(patient, 2));

        var run = await ExportRun.StartAsync(servers.Settings(topic, ExportRun.NewKey()), Cohort.From, Cohort.To);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal(2, run.Rows().Count);
        var counts = run.Manifest().GetProperty("counts");
        Assert.Equal(2, counts.GetProperty("researchConsented").GetInt32());
        Assert.Equal(1, counts.GetProperty("patientsExported").GetInt32());
    }
}
