using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using static VitalTwin.Gateway.Tests.Fhir.FhirGateway;
using Task = System.Threading.Tasks.Task;

namespace VitalTwin.Gateway.Tests.Fhir;

/// <summary>
/// The FHIR door under hostile input: what is not FHIR JSON, too deep, too large or too much is refused with an
/// OperationOutcome and a 4xx, never a 500, nothing of it is stored, and the door goes on serving others.
/// </summary>
public sealed class FhirHostileTests
{
    private static readonly Dictionary<string, string?> Limits = new()
    {
        ["Fhir:MaxBodyBytes"] = "65536",
        ["MaxBatchSize"] = "40",
        ["DeviceRateLimit:ReadingsPerSecond"] = "1",
        ["DeviceRateLimit:Burst"] = "5",
    };

    public static TheoryData<string, string> NotFhirJson => new()
    {
        { "truncated JSON", """{"resourceType":"Observation","status":""" },
        { "not JSON at all", "status=final&value=72" },
        { "an unknown element", """{"resourceType":"Observation","status":"final","code":{"text":"x"},"smuggled":1}""" },
        { "another resource type", """{"resourceType":"Patient","active":true}""" },
        { "nested 10,000 arrays deep", """{"resourceType":"Observation","extension":""" + new string('[', 10_000) + new string(']', 10_000) + "}" },
        { "nested 10,000 objects deep", """{"resourceType":"Observation","code":""" + string.Concat(Enumerable.Repeat("""{"a":""", 10_000)) + "1" + new string('}', 10_001) },
        { "a number too large for any type", """{"resourceType":"Observation","status":"final","valueQuantity":{"value":1e999999}}""" },
    };

    [Theory]
    [MemberData(nameof(NotFhirJson))]
    public async Task A_body_that_is_not_an_observation_in_fhir_json_is_a_bad_request_and_the_door_serves_on(string hostile, string body)
    {
        await using var gateway = await FhirGateway.StartAsync(Limits);
        var key = await gateway.Server.RegisterAsync("monitor-1", "patient-1");

        using var request = new HttpRequestMessage(HttpMethod.Post, "Observation") { Content = new StringContent(body, Encoding.UTF8, FhirJson) };
        request.Headers.TryAddWithoutValidation("Authorization", $"Device {key}");
        var response = await gateway.Http.SendAsync(request);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{hostile}: {response.StatusCode}");
        var outcome = Parse<OperationOutcome>(await response.Content.ReadAsStringAsync());
        Assert.All(outcome.Issue, i => Assert.Equal(OperationOutcome.IssueSeverity.Error, i.Severity));
        var (after, _) = await gateway.PostAsync<OperationOutcome>("Observation", Observation("monitor-1", "patient-1"), $"Device {key}");
        Assert.Equal(HttpStatusCode.Created, after.StatusCode);
        Assert.Single(gateway.Stored());
    }

    [Fact]
    public async Task A_body_over_the_limit_is_refused_with_413_whether_its_length_is_announced_or_streamed()
    {
        await using var gateway = await FhirGateway.StartAsync(Limits);
        var key = await gateway.Server.RegisterAsync("monitor-1", "patient-1");
        var huge = Observation("monitor-1", "patient-1");
        huge["note"] = new JsonArray(new JsonObject { ["text"] = new string('x', 200_000) });
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, huge.ToJsonString());

        // curl announces the length: refused before the body is read.
        var (announced, _, text) = await CurlAsync("-X", "POST", new Uri(gateway.Base, "Observation").ToString(),
            "-H", $"Content-Type: {FhirJson}", "-H", $"Authorization: Device {key}", "--data-binary", $"@{file}");
        // Chunked, the length is not known until the limit is passed.
        using var request = new HttpRequestMessage(HttpMethod.Post, "Observation") { Content = new StreamContent(File.OpenRead(file)) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(FhirJson);
        request.Headers.TransferEncodingChunked = true;
        request.Headers.TryAddWithoutValidation("Authorization", $"Device {key}");
        var streamed = await gateway.Http.SendAsync(request);
        File.Delete(file);

        Assert.Equal(413, announced);
        Assert.Equal(OperationOutcome.IssueType.TooCostly, Assert.Single(Parse<OperationOutcome>(text).Issue).Code);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, streamed.StatusCode);
        Assert.Empty(gateway.Stored());
    }

    [Fact]
    public async Task A_bundle_of_more_entries_than_a_batch_may_hold_is_refused_whole()
    {
        await using var gateway = await FhirGateway.StartAsync(Limits);
        var key = await gateway.Server.RegisterAsync("monitor-1", "patient-1");
        var bundle = BundleOf("batch", [.. Enumerable.Range(0, 41).Select(i => Observation("monitor-1", "patient-1", Readings.Now.AddSeconds(-i)))]);

        var (response, outcome) = await gateway.PostAsync<OperationOutcome>("", bundle, $"Device {key}");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("40", Assert.Single(outcome.Issue).Text(), StringComparison.Ordinal);
        Assert.Empty(gateway.Stored());
    }

    [Fact]
    public async Task A_device_flooding_the_door_is_throttled_per_observation_while_another_device_gets_through()
    {
        await using var gateway = await FhirGateway.StartAsync(Limits);
        var noisy = await gateway.Server.RegisterAsync("noisy", "patient-noisy");
        var quiet = await gateway.Server.RegisterAsync("quiet", "patient-quiet");
        var flood = BundleOf("batch", [.. Enumerable.Range(0, 30).Select(i => Observation("noisy", "patient-noisy", Readings.Now.AddSeconds(-60 + i)))]);

        var (response, answer) = await gateway.PostAsync<Bundle>("", flood, $"Device {noisy}");
        var singles = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            gateway.PostAsync<OperationOutcome>("Observation", Observation("noisy", "patient-noisy", Readings.Now.AddSeconds(-25 + i)), $"Device {noisy}")));
        var (other, _) = await gateway.PostAsync<OperationOutcome>("Observation", Observation("quiet", "patient-quiet"), $"Device {quiet}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // A burst of 5, refilled at one a second: most of 30 readings sent at once are refused.
        var throttled = answer.Entry.Where(e => e.Status() == "429 Too Many Requests").ToList();
        Assert.True(throttled.Count >= 20, $"{throttled.Count} of 30 throttled");
        Assert.All(throttled, e => Assert.Equal(OperationOutcome.IssueType.Throttled, Assert.Single(e.Outcome().Issue).Code));
        Assert.Contains(singles, s => s.Response.StatusCode == HttpStatusCode.TooManyRequests && s.Response.Headers.RetryAfter is not null);
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);
        var stored = gateway.Stored();
        Assert.Single(stored, r => r.DeviceId == "quiet");
        Assert.Equal(30 - throttled.Count + singles.Count(s => s.Response.StatusCode == HttpStatusCode.Created), stored.Count(r => r.DeviceId == "noisy"));
        // Throttled readings are refused on the answer only: the device still has them.
        Assert.Equal(0, gateway.Rejected());
    }
}
