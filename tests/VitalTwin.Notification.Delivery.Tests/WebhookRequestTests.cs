using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using VitalTwin.Contracts.Alerting.V1;

namespace VitalTwin.Notification.Delivery.Tests;

public sealed class WebhookRequestTests
{
    /// <summary>The secret of the README's worked example (base64 of 32 random bytes).</summary>
    private const string ReadmeSecret = "QFewz0Abk+4wiKfxDPZ5qV/lxspttrPC0nYTclCoiLU=";

    public static TheoryData<IMessage> EveryEventKind()
    {
        var data = new TheoryData<IMessage>();
        foreach (var message in Alerts.Lifecycle("patient-1"))
        {
            data.Add(message);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryEventKind))]
    public void The_json_body_is_the_protobuf_json_rendering_and_parses_back_to_the_record(IMessage alertEvent)
    {
        var (body, mediaType) = WebhookRequest.Render(WebhookFormat.Json, alertEvent, new Fhir.FhirOptions());

        Assert.Equal("application/json", mediaType);
        var parsed = JsonParser.Default.Parse(Encoding.UTF8.GetString(body), alertEvent.Descriptor);
        Assert.Equal(alertEvent, parsed);
    }

    [Fact]
    public void The_json_body_uses_the_proto_field_names_in_lower_camel_case_and_enum_names()
    {
        var raised = Alerts.Raised("patient-1");

        var json = Encoding.UTF8.GetString(WebhookRequest.Render(WebhookFormat.Json, raised, new Fhir.FhirOptions()).Body);

        Assert.Contains($"\"alertId\": \"{raised.AlertId}\"", json, StringComparison.Ordinal);
        Assert.Contains("\"priority\": \"ALERT_PRIORITY_HIGH\"", json, StringComparison.Ordinal);
        Assert.Contains("\"raisedAt\": \"2025-03-01T08:30:00Z\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void The_idempotency_key_depends_only_on_the_subscription_and_the_message_id()
    {
        var key = WebhookRequest.IdempotencyKeyFor("ehr", "message-1");

        Assert.Equal(key, WebhookRequest.IdempotencyKeyFor("ehr", "message-1"));
        Assert.NotEqual(key, WebhookRequest.IdempotencyKeyFor("ehr", "message-2"));
        Assert.NotEqual(key, WebhookRequest.IdempotencyKeyFor("pager", "message-1"));
        Assert.True(Guid.TryParse(key, out _));
    }

    [Fact]
    public async Task A_post_carries_the_cloudevents_binary_headers_the_key_and_a_signature_a_subscriber_can_check()
    {
        var raised = Alerts.Raised("patient-1");
        var subscription = new WebhookSubscription { Name = "ehr", Url = "http://127.0.0.1:1/alerts", Secret = ReadmeSecret };
        var record = new AlertRecord(raised, raised.AlertId, raised.PatientId, raised.RaisedAt.ToDateTimeOffset(), raised.Priority);
        var sentAt = new DateTimeOffset(2025, 12, 1, 8, 0, 0, TimeSpan.Zero);

        using var request = WebhookRequest.Create(subscription, record, "message-1", "urn:vitaltwin:notification", new Fhir.FhirOptions()).ToHttpRequest(new Uri(subscription.Url), sentAt);

        string Header(string name) => Assert.Single(request.Headers.GetValues(name));
        var key = WebhookRequest.IdempotencyKeyFor("ehr", "message-1");
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(key, Header(DeliveryHeaders.IdempotencyKey));
        Assert.Equal(key, Header(DeliveryHeaders.Id));
        Assert.Equal("1.0", Header(DeliveryHeaders.SpecVersion));
        Assert.Equal("vitaltwin.alerting.v1.AlertRaised", Header(DeliveryHeaders.Type));
        Assert.Equal("urn:vitaltwin:notification", Header(DeliveryHeaders.Source));
        Assert.Equal(raised.AlertId, Header(DeliveryHeaders.Subject));
        Assert.Equal("2025-03-01T08:30:00.000Z", Header(DeliveryHeaders.Time));
        Assert.Equal("application/json", request.Content!.Headers.ContentType!.MediaType);
        // What a subscriber computes to check the signature: HMAC-SHA256 over "<timestamp>.<idempotency key>.<body>".
        Assert.Equal("1764576000", Header(DeliveryHeaders.Timestamp));
        var body = await request.Content.ReadAsByteArrayAsync();
        byte[] signed = [.. Encoding.UTF8.GetBytes($"1764576000.{key}."), .. body];
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(subscription.Secret), signed);
        Assert.Equal("v1=" + Convert.ToHexStringLower(expected), Header(DeliveryHeaders.Signature));
    }

    [Fact]
    public void The_worked_example_of_the_readme_signs_as_documented()
    {
        var signature = WebhookRequest.Sign(
            Encoding.UTF8.GetBytes(ReadmeSecret), "1764576000", "5b0e5a5e-8c1f-4f51-9d0e-2a8f7c1b6d34", Encoding.UTF8.GetBytes("{\"alertId\":\"a1\"}"));

        Assert.Equal("v1=405d4cf3ac48d36b092780f493d7c00723e8c3315064df709f7df94b83c7bafb", signature);
    }

    [Fact]
    public async Task A_later_attempt_signs_its_own_timestamp_over_the_same_key_and_body()
    {
        var raised = Alerts.Raised("patient-1");
        var subscription = new WebhookSubscription { Name = "ehr", Url = "http://127.0.0.1:1/alerts", Secret = ReadmeSecret };
        var record = new AlertRecord(raised, raised.AlertId, raised.PatientId, raised.RaisedAt.ToDateTimeOffset(), raised.Priority);
        var webhookRequest = WebhookRequest.Create(subscription, record, "message-1", "urn:vitaltwin:notification", new Fhir.FhirOptions());
        var firstAt = new DateTimeOffset(2025, 12, 1, 8, 0, 0, TimeSpan.Zero);

        using var first = webhookRequest.ToHttpRequest(new Uri(subscription.Url), firstAt);
        using var retry = webhookRequest.ToHttpRequest(new Uri(subscription.Url), firstAt.AddMinutes(7));

        Assert.Equal(await first.Content!.ReadAsByteArrayAsync(), await retry.Content!.ReadAsByteArrayAsync());
        Assert.Equal(first.Headers.GetValues(DeliveryHeaders.IdempotencyKey), retry.Headers.GetValues(DeliveryHeaders.IdempotencyKey));
        Assert.Equal("1764576420", Assert.Single(retry.Headers.GetValues(DeliveryHeaders.Timestamp)));
        Assert.NotEqual(first.Headers.GetValues(DeliveryHeaders.Signature), retry.Headers.GetValues(DeliveryHeaders.Signature));
    }

    [Fact]
    public void Without_a_secret_there_is_no_signature_header()
    {
        var raised = Alerts.Raised("patient-1");
        var subscription = new WebhookSubscription { Name = "ehr", Url = "http://127.0.0.1:1/alerts" };
        var record = new AlertRecord(raised, raised.AlertId, raised.PatientId, raised.RaisedAt.ToDateTimeOffset(), raised.Priority);

        using var request = WebhookRequest.Create(subscription, record, "message-1", "urn:vitaltwin:notification", new Fhir.FhirOptions()).ToHttpRequest(new Uri(subscription.Url), DateTimeOffset.UnixEpoch);

        Assert.False(request.Headers.Contains(DeliveryHeaders.Signature));
        Assert.False(request.Headers.Contains(DeliveryHeaders.Timestamp));
    }
}
