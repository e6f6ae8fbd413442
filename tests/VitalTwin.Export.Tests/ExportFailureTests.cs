using System.Net;
using System.Net.Sockets;
using VitalTwin.Contracts.Consent.V1;

namespace VitalTwin.Export.Tests;

/// <summary>Bad input and unreachable servers end in one clear message, a non-zero exit code and no dataset.</summary>
[Collection(ExportServersCollection.Name)]
public sealed class ExportFailureTests(ExportServers servers)
{
    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task A_missing_key_is_refused_before_anything_is_read(string key)
    {
        var run = await ExportRun.StartAsync(servers.Settings(servers.NewConsentTopic(), key), Cohort.From, Cohort.To);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Export:PseudonymKey is required", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(run.Directory));
    }

    [Fact]
    public async Task A_key_shorter_than_32_bytes_is_refused_without_being_echoed()
    {
        var key = ExportRun.NewKey(bytes: 16);

        var run = await ExportRun.StartAsync(servers.Settings(servers.NewConsentTopic(), key), Cohort.From, Cohort.To);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Export:PseudonymKey decodes to 16 bytes", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(key, run.Error + string.Join('\n', run.Logs), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_that_is_not_base64_is_refused()
    {
        var run = await ExportRun.StartAsync(servers.Settings(servers.NewConsentTopic(), "this is not a base64 key at all, is it?"), Cohort.From, Cohort.To);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Export:PseudonymKey is not valid base64", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--from=2026-03-02", "--to=2026-03-01", "must be earlier than --to")]
    [InlineData("--from=2026-03-01", "--to=2026-03-01", "must be earlier than --to")]
    [InlineData("--from=yesterday", "--to=2026-03-01", "--from takes an ISO 8601 time")]
    [InlineData("--from=2026-03-01", "--until=2026-03-02", "Unknown option --until")]
    [InlineData("--from=2026-03-01", "--from=2026-03-01", "--from and --to are required")]
    public async Task A_bad_range_is_refused_with_what_to_change(string from, string to, string message)
    {
        var directory = ExportRun.NewDirectory();

        var run = await ExportRun.StartAsync([from, to, $"--out={directory}"], servers.Settings(servers.NewConsentTopic(), ExportRun.NewKey()), directory);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public async Task An_unreachable_InfluxDB_fails_the_export_and_leaves_no_dataset()
    {
        var cohort = new Cohort();
        var topic = servers.NewConsentTopic();
        await servers.RecordConsentAsync(topic, cohort.NewPatient(), ConsentState.Monitoring, researchAllowed: true);
        var settings = servers.Settings(topic, ExportRun.NewKey());
        settings["History:Influx:Url"] = $"http://127.0.0.1:{ClosedPort()}/";

        var run = await ExportRun.StartAsync(settings, Cohort.From, Cohort.To);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("InfluxDB could not be queried", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(run.Directory));
    }

    [Fact]
    public async Task A_consent_topic_that_does_not_exist_fails_the_export()
    {
        var run = await ExportRun.StartAsync(servers.Settings($"test-no-such-topic-{Guid.NewGuid():N}", ExportRun.NewKey()), Cohort.From, Cohort.To);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("could not be found on the Kafka cluster", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(run.Directory));
    }

    [Fact]
    public async Task Fewer_patients_with_readings_than_the_minimum_is_refused_and_leaves_no_dataset()
    {
        var cohort = new Cohort();
        var topic = servers.NewConsentTopic();
        var withReadings = cohort.NewPatient();
        await servers.RecordConsentAsync(topic, withReadings, ConsentState.Monitoring, researchAllowed: true);
        await servers.RecordConsentAsync(topic, cohort.NewPatient(), ConsentState.Monitoring, researchAllowed: true);
        await servers.StoreAsync(cohort.Minutely(withReadings, 3));
        var settings = servers.Settings(topic, ExportRun.NewKey());
        settings["Export:MinimumPatients"] = "2";

        var run = await ExportRun.StartAsync(settings, Cohort.From, Cohort.To);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Only 1 patients with readings in the range, fewer than Export:MinimumPatients (2)", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(run.Directory));
    }

    [Fact]
    public async Task An_existing_dataset_is_never_overwritten()
    {
        var cohort = new Cohort();
        var topic = servers.NewConsentTopic();
        var patient = cohort.NewPatient();
        await servers.RecordConsentAsync(topic, patient, ConsentState.Monitoring, researchAllowed: true);
        await servers.StoreAsync(cohort.Minutely(patient, 3));
        var settings = servers.Settings(topic, ExportRun.NewKey());
        var first = await ExportRun.StartAsync(settings, Cohort.From, Cohort.To);
        var written = await File.ReadAllBytesAsync(first.DataPath);

        var second = await ExportRun.StartAsync(settings, Cohort.From, Cohort.To, first.Directory);

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(1, second.ExitCode);
        Assert.Contains("already exists", second.Error, StringComparison.Ordinal);
        Assert.Equal(written, await File.ReadAllBytesAsync(first.DataPath));
    }

    [Fact]
    public async Task An_export_cancelled_halfway_exits_130_and_removes_its_partial_output()
    {
        var cohort = new Cohort();
        var topic = servers.NewConsentTopic();
        for (var i = 0; i < 3; i++)
        {
            var patient = cohort.NewPatient();
            await servers.RecordConsentAsync(topic, patient, ConsentState.Monitoring, researchAllowed: true);
            await servers.StoreAsync(cohort.Minutely(patient, 5));
        }

        using var stop = new CancellationTokenSource();
        var run = await ExportRun.StartAsync(servers.Settings(topic, ExportRun.NewKey()), Cohort.From, Cohort.To, ct: stop.Token, onLog: line =>
        {
            if (line.Contains("Progress: 1/3 patients", StringComparison.Ordinal))
            {
                stop.Cancel();
            }
        });

        Assert.Equal(130, run.ExitCode);
        Assert.Contains("Export cancelled", run.Error, StringComparison.Ordinal);
        Assert.Contains(run.Logs, line => line.Contains("Progress: 1/3 patients", StringComparison.Ordinal));
        Assert.False(Directory.Exists(run.Directory));
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
