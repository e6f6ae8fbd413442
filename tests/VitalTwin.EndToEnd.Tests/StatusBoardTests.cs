using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Grpc.Core;
using VitalTwin.Contracts.Audit.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.DevHost;
using VitalTwin.ServiceDefaults.Security;

namespace VitalTwin.EndToEnd.Tests;

/// <summary>
/// The demo's status line counts twins without reading them: a count is no clinician's read, and the audit trail
/// keeps only the reads of people (960 of 1,106 audit events in four minutes were the board's before).
/// </summary>
[Collection(SystemCollection.Name)]
public sealed partial class StatusBoardTests(SystemFixture system)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_status_board_counts_twins_and_their_news2_without_an_audited_read_of_any_twin()
    {
        var patient = Readings.ForNewPatient("status-board");
        var twins = new TwinQuery.TwinQueryClient(system.Channel("TwinState"));
        await patient.RegisterAsync(new DeviceRegistry.DeviceRegistryClient(system.Channel("Gateway")));
        await new VitalSignIngestion.VitalSignIngestionClient(system.Channel("Gateway"))
            .IngestAsync(patient.Vitals(heartRate: 127, spo2: 90, respiratoryRate: 27, systolic: 92, temperature: 39.2), patient.Credential);
        await twins.WaitForTwinAsync(patient.PatientId, t => t.News2.Total >= 5, Timeout);
        using var audit = new TopicWatcher(system.Cluster.Kafka.BootstrapServers, system.Cluster.Topics.Audit);

        var lines = new StatusLines();
        using var stop = new CancellationTokenSource();
        var board = new StatusBoard(system.Cluster, lines).RunAsync(TimeSpan.FromMilliseconds(100), stop.Token);
        // Every status line was counted after the twin existed: the board has counted it, however it counts.
        var counted = await lines.WaitForAsync(line => StatusLine().Match(line) is { Success: true } m && int.Parse(m.Groups["elevated"].Value) >= 1, Timeout);
        await lines.WaitForAsync(line => StatusLine().IsMatch(line), Timeout);
        await stop.CancelAsync();
        await board;
        // A read of the twin after the board's lines: its audit record comes after any the board caused on the partition.
        var purpose = $"e2e-after-board-{Guid.NewGuid():N}";
        var mine = await twins.GetTwinAsync(new GetTwinRequest { PatientId = patient.PatientId }, new Metadata { { ApiAuthentication.PurposeHeader, purpose } });
        await audit.WaitForAsync(patient.PatientId, AccessAudited.Parser, a => a.Purpose == purpose, Timeout);

        Assert.True(int.Parse(StatusLine().Match(counted).Groups["twins"].Value) >= 1, counted);
        Assert.Equal(patient.PatientId, mine.PatientId);
        Assert.DoesNotContain(audit.Seen(patient.PatientId, AccessAudited.Parser), a => a.Action.EndsWith("/ListTwins", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"twins (?<twins>\d+) \(NEWS2>=5: (?<elevated>\d+)\)")]
    private static partial Regex StatusLine();

    /// <summary>The board's output, line by line, for a test to wait on.</summary>
    private sealed class StatusLines : TextWriter
    {
        private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();

        public override Encoding Encoding => Encoding.UTF8;

        public override void WriteLine(string? value) => _lines.Writer.TryWrite(value ?? string.Empty);

        public async Task<string> WaitForAsync(Func<string, bool> match, TimeSpan timeout)
        {
            using var deadline = new CancellationTokenSource(timeout);
            await foreach (var line in _lines.Reader.ReadAllAsync(deadline.Token))
            {
                if (match(line))
                {
                    return line;
                }
            }
            throw new InvalidOperationException("The board's output ended.");
        }
    }
}
