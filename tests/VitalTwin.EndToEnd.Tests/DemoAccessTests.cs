using Grpc.Core;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.DevHost;

namespace VitalTwin.EndToEnd.Tests;

/// <summary>
/// What the one-machine demo hands out for trying the system by hand: a token per role, wards for its patients, a
/// webhook subscriber. Each token does its role's part against the running system and no more.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class DemoAccessTests(SystemFixture system)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Each_demo_token_does_its_roles_part_and_the_ward_clinician_sees_only_patients_the_demo_placed_on_its_ward()
    {
        var tokens = DemoTokens.Mint(system.Cluster.Tokens).ToDictionary(t => t.Variable, t => t.Value);
        using var stop = new CancellationTokenSource();
        var placing = new DemoWards(system.Cluster, _ => { }).RunAsync(stop.Token);
        var staff = new TwinQuery.TwinQueryClient(system.Channel("TwinState"));
        // Registered with the registrar token, as a simulator started on its own registers its devices.
        var registry = new DeviceRegistry.DeviceRegistryClient(system.Channel("Gateway", tokens["REGISTRAR_TOKEN"]));
        var ingestion = new VitalSignIngestion.VitalSignIngestionClient(system.Channel("Gateway"));
        // Patients alternate between the wards once the placer has caught up with the twins already there.
        var byWard = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < 6 && byWard.Count < DemoWards.Names.Count; i++)
        {
            var patient = Readings.ForNewPatient("demo-ward");
            await patient.RegisterAsync(registry);
            await ingestion.IngestAsync(patient.Vitals(heartRate: 72, spo2: 97, respiratoryRate: 14, systolic: 120, temperature: 36.8), patient.Credential);
            var placed = await staff.WaitForTwinAsync(patient.PatientId, t => t.Context.Ward.Length > 0, Timeout);
            byWard.TryAdd(placed.Context.Ward, patient.PatientId);
        }
        await stop.CancelAsync();
        await placing;

        var (mine, other) = (byWard[DemoWards.Names[0]], byWard[DemoWards.Names[1]]);
        var wardClinician = new TwinQuery.TwinQueryClient(system.Channel("TwinState", tokens["WARD_CLINICIAN_TOKEN"]));
        var everyWard = new TwinQuery.TwinQueryClient(system.Channel("TwinState", tokens["CLINICIAN_TOKEN"]));
        var operatorTwins = new TwinQuery.TwinQueryClient(system.Channel("TwinState", tokens["OPERATOR_TOKEN"]));
        var integration = new AlertDesk.AlertDeskClient(system.Channel("Notification", tokens["INTEGRATION_TOKEN"]));

        Assert.Equal(mine, (await wardClinician.GetTwinAsync(new GetTwinRequest { PatientId = mine })).PatientId);
        Assert.Equal(StatusCode.PermissionDenied, await StatusOf(() => wardClinician.GetTwinAsync(new GetTwinRequest { PatientId = other }).ResponseAsync));
        Assert.Equal(other, (await everyWard.GetTwinAsync(new GetTwinRequest { PatientId = other })).PatientId);
        Assert.Equal(StatusCode.PermissionDenied, await StatusOf(() => operatorTwins.GetTwinAsync(new GetTwinRequest { PatientId = mine }).ResponseAsync));
        Assert.NotNull(await integration.ListAlertsAsync(new ListAlertsRequest()));
        Assert.Equal(StatusCode.PermissionDenied, await StatusOf(() => new DeviceRegistry.DeviceRegistryClient(system.Channel("Gateway", tokens["CLINICIAN_TOKEN"]))
            .RegisterDeviceAsync(Readings.ForNewPatient("demo-not-registrar").Registration()).ResponseAsync));
    }

    [Fact]
    public async Task The_tokens_file_is_a_shell_script_of_one_variable_per_role_readable_by_its_owner_only()
    {
        var tokens = DemoTokens.Mint(system.Cluster.Tokens);
        var path = Path.Combine(Path.GetTempPath(), $"vitaltwin-tokens-{Guid.NewGuid():N}.env");
        try
        {
            DemoTokens.Write(path, tokens);

            var script = await File.ReadAllBytesAsync(path);
            Assert.Equal(tokens.Select(t => $"{t.Variable}={t.Value}"), System.Text.Encoding.UTF8.GetString(script).Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal((byte)'R', script[0]);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/alerts", "http://127.0.0.1:8080/alerts", "Json", "Development")]
    [InlineData("https://integration.example/vitaltwin,fhirr4", "https://integration.example/vitaltwin", "FhirR4", null)]
    public void The_webhook_option_subscribes_one_receiver_in_notifications_delivery_settings(string option, string url, string format, string? environment)
    {
        var (settings, problem) = DemoWebhook.Parse(option);

        Assert.Null(problem);
        Assert.NotNull(settings);
        Assert.Equal("demo", settings["Delivery__Webhooks__0__Name"]);
        Assert.Equal(url, settings["Delivery__Webhooks__0__Url"]);
        Assert.Equal(format, settings["Delivery__Webhooks__0__Format"]);
        // Notification refuses a plain-http subscriber outside Development, and outside it any without a strong secret.
        Assert.Equal(environment, settings.GetValueOrDefault("DOTNET_ENVIRONMENT"));
        Assert.Equal(32, Convert.FromBase64String(settings["Delivery__Webhooks__0__Secret"]).Length);
    }

    [Fact]
    public void Each_run_signs_with_a_secret_of_its_own()
    {
        Assert.NotEqual(
            DemoWebhook.Parse("https://integration.example/vitaltwin").Settings!["Delivery__Webhooks__0__Secret"],
            DemoWebhook.Parse("https://integration.example/vitaltwin").Settings!["Delivery__Webhooks__0__Secret"]);
    }

    [Theory]
    [InlineData("127.0.0.1:8080/alerts", "not an absolute http or https URL")]
    [InlineData("ftp://host/alerts", "not an absolute http or https URL")]
    [InlineData("http://host/alerts,xml", "'xml' is not one of Json, FhirR4")]
    public void A_wrong_webhook_option_is_refused_saying_why(string option, string reason)
    {
        var (settings, problem) = DemoWebhook.Parse(option);

        Assert.Null(settings);
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    private static async Task<StatusCode> StatusOf(Func<Task> call)
    {
        try
        {
            await call();
            return StatusCode.OK;
        }
        catch (RpcException ex)
        {
            return ex.StatusCode;
        }
    }
}
