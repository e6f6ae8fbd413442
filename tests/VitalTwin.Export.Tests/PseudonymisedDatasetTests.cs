using System.Security.Cryptography;
using System.Text;
using VitalTwin.Contracts.Consent.V1;
using VitalTwin.Export.Pseudonymisation;

namespace VitalTwin.Export.Tests;

/// <summary>What the dataset holds and what it must not: against the embedded Kafka and influxd.</summary>
[Collection(ExportServersCollection.Name)]
public sealed class PseudonymisedDatasetTests(ExportServers servers)
{
    [Fact]
    public async Task No_byte_written_carries_a_patient_id_a_device_id_the_ward_or_the_key()
    {
        var cohort = new Cohort();
        var topic = servers.NewConsentTopic();
        var patients = Enumerable.Range(0, 3).Select(_ => cohort.NewPatient()).ToList();
        var readings = new List<StoredReading>();
        foreach (var patient in patients)
        {
            await servers.RecordConsentAsync(topic, patient, ConsentState.Monitoring, researchAllowed: true, reference: $"{cohort.Ward} consent form for {patient}");
            readings.AddRange(cohort.Minutely(patient, 20));
        }

        await servers.StoreAsync(readings);
        var key = ExportRun.NewKey();

        var run = await ExportRun.StartAsync(servers.Settings(topic, key), Cohort.From, Cohort.To);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal(60, run.Rows().Count);
        string[] forbidden = [.. patients, .. readings.Select(r => r.DeviceId).Distinct(), cohort.Ward, key, Convert.ToHexString(Convert.FromBase64String(key))];
        foreach (var (where, bytes) in run.EverythingWritten())
        {
            foreach (var secret in forbidden)
            {
                foreach (var encoded in new[] { secret, secret.ToLowerInvariant() }.Distinct())
                {
                    Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(encoded)) < 0, $"{where} contains an identifier, the ward or the key.");
                }
            }
        }
    }

    [Fact]
    public async Task A_patient_keeps_the_pseudonym_and_shift_of_the_key_and_gets_unrelated_ones_under_another_key()
    {
        var cohort = new Cohort();
        var topic = servers.NewConsentTopic();
        var first = cohort.NewPatient();
        var second = cohort.NewPatient();
        foreach (var patient in new[] { first, second })
        {
            await servers.RecordConsentAsync(topic, patient, ConsentState.Monitoring, researchAllowed: true);
            await servers.StoreAsync(cohort.Minutely(patient, 10));
        }

        var key = ExportRun.NewKey();
        var otherKey = ExportRun.NewKey();
        var morning = await ExportRun.StartAsync(servers.Settings(topic, key), Cohort.Start, Cohort.Start.AddMinutes(5));
        var wholeDay = await ExportRun.StartAsync(servers.Settings(topic, key), Cohort.From, Cohort.To);
        var otherRecipient = await ExportRun.StartAsync(servers.Settings(topic, otherKey), Cohort.From, Cohort.To);

        Assert.All(new[] { morning, wholeDay, otherRecipient }, run => Assert.True(run.ExitCode == 0, run.Error));
        var pseudonymiser = new Pseudonymiser(Convert.FromBase64String(key));
        string[] expected = [.. new[] { first, second }.Select(pseudonymiser.Pseudonym).Order(StringComparer.Ordinal)];
        Assert.Equal(expected, Pseudonyms(morning));
        Assert.Equal(expected, Pseudonyms(wholeDay));
        Assert.Empty(Pseudonyms(otherRecipient).Intersect(expected));
        Assert.Equal(2, Pseudonyms(otherRecipient).Length);

        // The overlap of the two exports under one key lines up reading for reading: same pseudonyms, same shifted times.
        Assert.Equal(morning.Rows(), wholeDay.Rows().Where(row => morning.Rows().Any(m => m.Pseudonym == row.Pseudonym && m.Time == row.Time)));
        Assert.Equal(10, morning.Rows().Count);

        var keyId = morning.Manifest().GetProperty("pseudonymisation").GetProperty("keyId").GetString();
        Assert.Equal(pseudonymiser.KeyId, keyId);
        Assert.Equal(keyId, wholeDay.Manifest().GetProperty("pseudonymisation").GetProperty("keyId").GetString());
        Assert.NotEqual(keyId, otherRecipient.Manifest().GetProperty("pseudonymisation").GetProperty("keyId").GetString());
    }

    [Fact]
    public async Task Intervals_time_of_day_values_codes_and_units_are_kept_while_dates_move_by_whole_weeks()
    {
        var cohort = new Cohort();
        var topic = servers.NewConsentTopic();
        var patient = cohort.NewPatient();
        await servers.RecordConsentAsync(topic, patient, ConsentState.Monitoring, researchAllowed: true);
        var device = cohort.NewDevice();
        List<StoredReading> inRange =
        [
            new(patient, Cohort.HeartRate, 72.25, "/min", Cohort.Start, device),
            new(patient, Cohort.SpO2, 97, "%", Cohort.Start.AddTicks(15_000_123), device),
            new(patient, Cohort.HeartRate, 74, "/min", Cohort.Start.AddSeconds(61), device),
            new(patient, Cohort.HeartRate, 118.5, "/min", Cohort.Start.AddHours(5).AddMilliseconds(250), device),
            new(patient, Cohort.SpO2, 88, "%", Cohort.To.AddTicks(-1), device),
        ];
        List<StoredReading> outOfRange =
        [
            new(patient, Cohort.HeartRate, 50, "/min", Cohort.From.AddTicks(-10), device),
            new(patient, Cohort.HeartRate, 51, "/min", Cohort.To, device),
        ];
        await servers.StoreAsync([.. inRange, .. outOfRange]);
        var key = ExportRun.NewKey();

        var run = await ExportRun.StartAsync(servers.Settings(topic, key), Cohort.From, Cohort.To);

        Assert.True(run.ExitCode == 0, run.Error);
        var rows = run.Rows();
        Assert.Equal(inRange.Select(r => (r.Loinc, r.Value, r.Unit)), rows.Select(r => (r.Loinc, r.Value, r.Unit)));
        Assert.Equal(
            inRange.Select(r => r.At - inRange[0].At),
            rows.Select(r => r.Time - rows[0].Time));
        var shift = rows[0].Time - inRange[0].At;
        Assert.Equal(new Pseudonymiser(Convert.FromBase64String(key)).TimeShift(patient), shift);
        Assert.Equal(TimeSpan.Zero, TimeSpan.FromTicks(shift.Ticks % TimeSpan.FromDays(7).Ticks));
        Assert.InRange(shift, TimeSpan.FromDays(7 * 520), TimeSpan.FromDays(7 * 5_719));
        Assert.Equal(inRange[0].At.TimeOfDay, rows[0].Time.TimeOfDay);
        Assert.Equal(inRange[0].At.DayOfWeek, rows[0].Time.DayOfWeek);
    }

    [Fact]
    public async Task A_slice_holding_more_points_than_one_history_query_may_return_is_read_in_smaller_slices()
    {
        var cohort = new Cohort();
        var topic = servers.NewConsentTopic();
        var patient = cohort.NewPatient();
        await servers.RecordConsentAsync(topic, patient, ConsentState.Monitoring, researchAllowed: true);
        var readings = cohort.Minutely(patient, 90);
        await servers.StoreAsync(readings);
        var settings = servers.Settings(topic, ExportRun.NewKey());
        settings["History:MaxPointsPerQuery"] = "16";

        var run = await ExportRun.StartAsync(settings, Cohort.From, Cohort.To);

        Assert.True(run.ExitCode == 0, run.Error);
        var rows = run.Rows();
        Assert.Equal(readings.Select(r => r.Value), rows.Select(r => r.Value));
        Assert.Equal(readings.Select(r => r.At - readings[0].At), rows.Select(r => r.Time - rows[0].Time));
    }

    [Fact]
    public async Task The_manifest_describes_the_dataset_and_its_scheme_and_names_the_key_only_by_its_id()
    {
        var cohort = new Cohort();
        var topic = servers.NewConsentTopic();
        var patient = cohort.NewPatient();
        await servers.RecordConsentAsync(topic, patient, ConsentState.Monitoring, researchAllowed: true);
        await servers.StoreAsync(cohort.Minutely(patient, 4));
        await servers.StoreAsync([new StoredReading(patient, Cohort.SpO2, 95, "%", Cohort.Start, cohort.NewDevice())]);
        var key = ExportRun.NewKey();

        var run = await ExportRun.StartAsync(servers.Settings(topic, key), Cohort.From, Cohort.To);

        Assert.True(run.ExitCode == 0, run.Error);
        var manifest = run.Manifest();
        Assert.Equal("vitaltwin.export.v1", manifest.GetProperty("format").GetString());
        Assert.Equal(Cohort.From, manifest.GetProperty("range").GetProperty("from").GetDateTimeOffset());
        Assert.Equal(Cohort.To, manifest.GetProperty("range").GetProperty("to").GetDateTimeOffset());
        var scheme = manifest.GetProperty("pseudonymisation");
        Assert.Equal(128, scheme.GetProperty("pseudonymBits").GetInt32());
        Assert.Contains("HMAC-SHA256", scheme.GetProperty("scheme").GetString(), StringComparison.Ordinal);
        Assert.Contains("whole number of weeks", scheme.GetProperty("timeShift").GetString(), StringComparison.Ordinal);
        var perLoinc = manifest.GetProperty("counts").GetProperty("readingsPerLoinc");
        Assert.Equal(4, perLoinc.GetProperty(Cohort.HeartRate).GetInt64());
        Assert.Equal(1, perLoinc.GetProperty(Cohort.SpO2).GetInt64());
        var data = manifest.GetProperty("data");
        var bytes = await File.ReadAllBytesAsync(run.DataPath);
        Assert.Equal(bytes.LongLength, data.GetProperty("bytes").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), data.GetProperty("sha256").GetString());
        Assert.Equal(["pseudonym", "time", "loinc", "value", "unit"], data.GetProperty("columns").EnumerateArray().Select(c => c.GetString()));
        Assert.DoesNotContain(key, File.ReadAllText(run.ManifestPath), StringComparison.Ordinal);
        Assert.Equal(["manifest.json", "vitals.csv"], Directory.EnumerateFiles(run.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    private static string[] Pseudonyms(ExportRun run) => [.. run.Rows().Select(row => row.Pseudonym).Distinct().Order(StringComparer.Ordinal)];
}
