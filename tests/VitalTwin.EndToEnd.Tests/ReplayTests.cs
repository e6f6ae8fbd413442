using System.Globalization;
using System.Text;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.ServiceDefaults.Security;

namespace VitalTwin.EndToEnd.Tests;

/// <summary>A recorded CSV replayed by the simulator program, through the Gateway, into the twin.</summary>
[Collection(SystemCollection.Name)]
public sealed class ReplayTests(SystemFixture system)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_recorded_csv_replayed_at_speed_reaches_each_patients_twin()
    {
        var patients = new[] { $"e2e-replay-{Guid.NewGuid():N}", $"e2e-replay-{Guid.NewGuid():N}" };
        var start = DateTimeOffset.UtcNow.AddMinutes(-5);
        var csv = new StringBuilder("timestamp,patient,code,value,unit\n");
        for (var second = 0; second < 30; second++)
        {
            var at = start.AddSeconds(second).ToString("O", CultureInfo.InvariantCulture);
            csv.Append(CultureInfo.InvariantCulture, $"{at},{patients[0]},8867-4,{70 + (second % 3)},/min\n");
            csv.Append(CultureInfo.InvariantCulture, $"{at},{patients[1]},59408-5,{96 + (second % 2)},%\n");
        }
        csv.Append(CultureInfo.InvariantCulture, $"{start.AddSeconds(30):O},{patients[0]},8310-5,98.6,[degF]\n");
        var file = Path.Combine(Path.GetTempPath(), $"vitaltwin-replay-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(file, csv.ToString());
        try
        {
            system.Cluster.StartProgram("Replay", "VitalTwin.Simulator", new Dictionary<string, string>
            {
                ["Simulator__GatewayUrl"] = system.Cluster["Gateway"].Grpc.ToString(),
                ["Simulator__Replay"] = file,
                ["Simulator__Speed"] = "60",
                // The simulator registers the replayed devices, as the hospital's registration system would.
                ["Simulator__AccessToken"] = system.Cluster.Tokens.Mint("replay", [Roles.Registrar]),
            }, (_, _) => { });

            var twins = new TwinQuery.TwinQueryClient(system.Channel("TwinState"));
            var first = await twins.WaitForTwinAsync(patients[0], t => t.ReadingsApplied == 31, Timeout);
            var second = await twins.WaitForTwinAsync(patients[1], t => t.ReadingsApplied == 30, Timeout);

            Assert.Equal(70 + (29 % 3), first.Vitals.Single(v => v.Code.Loinc == "8867-4").Value);
            // The Gateway normalised the recorded Fahrenheit to the canonical unit.
            var temperature = first.Vitals.Single(v => v.Code.Loinc == "8310-5");
            Assert.Equal(("Cel", 37.0), (temperature.Unit, Math.Round(temperature.Value, 1)));
            Assert.Equal(96 + (29 % 2), second.Vitals.Single(v => v.Code.Loinc == "59408-5").Value);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
