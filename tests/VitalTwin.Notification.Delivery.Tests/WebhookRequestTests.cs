using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using VitalTwin.Contracts.Alerting.V1;

namespace VitalTwin.Notification.Delivery.Tests;

public sealed class WebhookRequestTests
{
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
        var (body, mediaType) = WebhookRequest.Render(WebhookFormat.Json, alertEvent);

        Assert.Equal("application/json", mediaType);
        var parsed = JsonParser.Default.Parse(Encoding.UTF8.GetString(body), alertEvent.Descriptor);
        Assert.Equal(alertEvent, parsed);
    }

    [Fact]
    public void The_json_body_uses_the_proto_field_names_in_lower_camel_case_and_enum_names()
    {
        var raised = Alerts.Raised("patient-1");

        var json = Encoding.UTF8.GetString(WebhookRequest.Render(WebhookFormat.Json, raised).Body);

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
        var subscription = new WebhookSubscription { Name = "ehr", Url = "http://127.0.0.1:1/alerts", Secret = "a-shared-secret-of-some-length" };
        var record = new AlertRecord(raised, raised.AlertId, raised.PatientId, raised.RaisedAt.ToDateTimeOffset(), raised.Priority);

        using var request = WebhookRequest.Create(subscription, record, "message-1", "urn:vitaltwin:notification").ToHttpRequest(new Uri(subscription.Url));

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
        // What a subscriber computes to check the signature: HMAC-SHA256 over "<idempotency key>.<body>".
        var body = await request.Content.ReadAsByteArrayAsync();
        byte[] signed = [.. Encoding.UTF8.GetBytes(key + "."), .. body];
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(subscription.Secret), signed);
        Assert.Equal("sha256=" + Convert.ToHexStringLower(expected), Header(DeliveryHeaders.Signature));
    }

    [Fact]
    public void Without_a_secret_there_is_no_signature_header()
    {
        var raised = Alerts.Raised("patient-1");
        var subscription = new WebhookSubscription { Name = "ehr", Url = "http://127.0.0.1:1/alerts" };
        var record = new AlertRecord(raised, raised.AlertId, raised.PatientId, raised.RaisedAt.ToDateTimeOffset(), raised.Priority);

        using var request = WebhookRequest.Create(subscription, record, "message-1", "urn:vitaltwin:notification").ToHttpRequest(new Uri(subscription.Url));

        Assert.False(request.Headers.Contains(DeliveryHeaders.Signature));
    }
}
