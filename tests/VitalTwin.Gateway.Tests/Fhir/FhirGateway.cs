using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Kafka.Embedded;

namespace VitalTwin.Gateway.Tests.Fhir;

/// <summary>
/// A running Gateway (embedded Kafka, fake clock at <see cref="Readings.Now"/>) whose HTTP endpoint speaks HTTP/1.1 as
/// shipped, so curl and HttpClient reach the FHIR door as a device or an EHR would; Observations as such callers post them.
/// </summary>
internal sealed class FhirGateway : IAsyncDisposable
{
    public const string FhirJson = "application/fhir+json";
    public const string PatientSystem = "urn:vitaltwin:patient-id";
    public const string DeviceSystem = "urn:vitaltwin:device-id";

    private readonly EmbeddedKafka _kafka;

    private FhirGateway(EmbeddedKafka kafka, GatewayServer server, Uri fhirBase)
    {
        _kafka = kafka;
        Server = server;
        Base = fhirBase;
        Http = new HttpClient { BaseAddress = fhirBase, Timeout = TimeSpan.FromSeconds(60) };
    }

    public GatewayServer Server { get; }

    /// <summary>The FHIR base, ending in <c>/fhir/</c>.</summary>
    public Uri Base { get; }

    public HttpClient Http { get; }

    public static async Task<FhirGateway> StartAsync(IReadOnlyDictionary<string, string?>? gateway = null)
    {
        var kafka = EmbeddedKafka.Start([], brokerCount: 1);
        try
        {
            var server = await GatewayServer.StartAsync(kafka, GatewayServer.NewTopics(), new FakeTimeProvider(Readings.Now), gateway,
                host: new Dictionary<string, string?> { ["Kestrel:Endpoints:Http:Protocols"] = "Http1" });
            return new FhirGateway(kafka, server, new Uri(server.HttpAddress, "/fhir/"));
        }
        catch
        {
            kafka.Dispose();
            throw;
        }
    }

    /// <summary>An Observation as a device posts it: a vital-signs Observation naming patient and device by identifier.</summary>
    public static JsonObject Observation(string device, string patient, DateTimeOffset? at = null, string loinc = "8867-4", double value = 72, string unit = "/min") => new()
    {
        ["resourceType"] = "Observation",
        ["status"] = "final",
        ["category"] = new JsonArray(new JsonObject
        {
            ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/observation-category", ["code"] = "vital-signs" }),
        }),
        ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://loinc.org", ["code"] = loinc }) },
        ["subject"] = Identifier(PatientSystem, patient),
        ["device"] = Identifier(DeviceSystem, device),
        ["effectiveDateTime"] = (at ?? Readings.Now).ToString("yyyy-MM-ddTHH:mm:ssK", System.Globalization.CultureInfo.InvariantCulture),
        ["valueQuantity"] = new JsonObject { ["value"] = value, ["system"] = "http://unitsofmeasure.org", ["code"] = unit, ["unit"] = unit },
    };

    /// <summary>An official example of the specification, adapted: subject and device by identifier, a time of day within the window.</summary>
    public static JsonObject Example(string name, string device, string patient, DateTimeOffset at)
    {
        var example = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fhir", "Examples", $"observation-example-{name}.json")))!.AsObject();
        example["subject"] = Identifier(PatientSystem, patient);
        example["device"] = Identifier(DeviceSystem, device);
        example["effectiveDateTime"] = at.ToString("yyyy-MM-ddTHH:mm:ssK", System.Globalization.CultureInfo.InvariantCulture);
        return example;
    }

    public static JsonObject Identifier(string system, string value) => new() { ["identifier"] = new JsonObject { ["system"] = system, ["value"] = value } };

    public static JsonObject BundleOf(string type, params JsonObject[] observations) => new()
    {
        ["resourceType"] = "Bundle",
        ["type"] = type,
        ["entry"] = new JsonArray([.. observations.Select(o => (JsonNode)new JsonObject
        {
            ["resource"] = o,
            ["request"] = new JsonObject { ["method"] = "POST", ["url"] = "Observation" },
        })]),
    };

    public async Task<(HttpResponseMessage Response, T Resource)> PostAsync<T>(string path, JsonNode body, string? authorization, string mediaType = FhirJson)
        where T : Resource
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }
        var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response, Parse<T>(text));
    }

    public static T Parse<T>(string json) where T : Resource => new FhirJsonDeserializer().Deserialize<T>(json);

    /// <summary>Readings Kafka has on the telemetry topic.</summary>
    public List<VitalSignReading> Stored() =>
        [.. Server.ReadAll(Server.Topics.Telemetry).Select(r => VitalSignsRecorded.Parser.ParseFrom(r.Message.Value).Reading)];

    public int Rejected() => Server.ReadAll(Server.Topics.TelemetryRejected).Count;

    /// <summary>Runs curl, the outside client, with a deadline; returns the HTTP status, the headers and the body it printed.</summary>
    public static async Task<(int Status, string Headers, string Body)> CurlAsync(params string[] arguments)
    {
        var headers = Path.GetTempFileName();
        try
        {
            var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { "-sS", "--max-time", "60", "-D", headers, "-w", "\n%{http_code}" }.Concat(arguments))
            {
                start.ArgumentList.Add(argument);
            }
            using var curl = Process.Start(start)!;
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            var output = curl.StandardOutput.ReadToEndAsync(deadline.Token);
            var error = curl.StandardError.ReadToEndAsync(deadline.Token);
            await curl.WaitForExitAsync(deadline.Token);
            var text = await output;
            Assert.True(curl.ExitCode == 0, $"curl failed ({curl.ExitCode}): {await error}");
            var split = text.LastIndexOf('\n');
            return (int.Parse(text[(split + 1)..], System.Globalization.CultureInfo.InvariantCulture), await File.ReadAllTextAsync(headers), text[..split]);
        }
        finally
        {
            File.Delete(headers);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        _kafka.Dispose();
    }
}

/// <summary>Reading the door's answers.</summary>
internal static class FhirAnswers
{
    public static string Text(this OperationOutcome.IssueComponent issue) => issue.Details?.Text ?? string.Empty;

    public static string Status(this Bundle.EntryComponent entry) => entry.Response?.Status ?? string.Empty;

    public static string? Location(this Bundle.EntryComponent entry) => entry.Response?.Location;

    public static OperationOutcome Outcome(this Bundle.EntryComponent entry) => Assert.IsType<OperationOutcome>(entry.Response?.Outcome);
}
