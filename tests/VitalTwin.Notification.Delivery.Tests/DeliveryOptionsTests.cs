using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VitalTwin.Kafka;

namespace VitalTwin.Notification.Delivery.Tests;

public sealed class DeliveryOptionsTests
{
    [Fact]
    public async Task A_bad_subscription_stops_the_start_with_a_message_naming_the_entry()
    {
        var settings = DeliveryHost.Configuration("127.0.0.1:9", new KafkaTopics(), "notification",
            new WebhookSubscription { Name = "ehr", Url = "http://127.0.0.1:8080/alerts" },
            new WebhookSubscription { Name = "EHR", Url = "https://ehr.example/alerts" },
            new WebhookSubscription { Name = "relative", Url = "/alerts" },
            new WebhookSubscription { Name = "ftp", Url = "ftp://files.example/alerts" },
            new WebhookSubscription { Name = "has space", Url = "http://127.0.0.1:8080/a", Secret = "short" });
        settings["Delivery:Resilience:MaxRetryDelay"] = "00:00:00.010";
        settings["Delivery:Resilience:FirstRetryDelay"] = "00:00:01";
        using var host = DeliveryHost.Build(settings, output: null, out _);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(error.Failures, f => f.StartsWith("Delivery:Webhooks:1 (EHR): Name 'EHR' is used by another subscription", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Delivery:Webhooks:2 (relative): Url '/alerts' is not an absolute http or https URL", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Delivery:Webhooks:3 (ftp): Url 'ftp://files.example/alerts' is not an absolute", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Delivery:Webhooks:4 (has space): Name must be", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f == "Delivery:Webhooks:4 (has space): Secret must be at least 16 characters.");
        Assert.Contains(error.Failures, f => f == "Delivery:Resilience: MaxRetryDelay must not be shorter than FirstRetryDelay.");
        Assert.DoesNotContain(error.Failures, f => f.StartsWith("Delivery:Webhooks:0 ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_url_is_named()
    {
        var settings = DeliveryHost.Configuration("127.0.0.1:9", new KafkaTopics(), "notification");
        settings["Delivery:Webhooks:0:Name"] = "pager";
        using var host = DeliveryHost.Build(settings, output: null, out _);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(error.Failures, f => f.StartsWith("Delivery:Webhooks:0 (pager): The Url field is required", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unknown_format_or_priority_is_refused_rather_than_the_entry_dropped()
    {
        var settings = DeliveryHost.Configuration("127.0.0.1:9", new KafkaTopics(), "notification",
            new WebhookSubscription { Name = "ehr", Url = "http://127.0.0.1:8080/alerts" },
            new WebhookSubscription { Name = "pager", Url = "http://127.0.0.1:8081/alerts" });
        settings["Delivery:Webhooks:0:Format"] = "Hl7v2";
        settings["Delivery:Webhooks:1:MinPriority"] = "Urgent";
        using var host = DeliveryHost.Build(settings, output: null, out _);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Delivery:Webhooks:0 (ehr): Format 'Hl7v2' is not Json or FhirR4.", error.Failures);
        Assert.Contains("Delivery:Webhooks:1 (pager): MinPriority 'Urgent' is not Low, Medium or High.", error.Failures);
    }

    [Fact]
    public async Task With_no_subscription_nothing_runs()
    {
        var settings = DeliveryHost.Configuration("127.0.0.1:9", new KafkaTopics(), "notification");
        using var host = DeliveryHost.Build(settings, output: null, out var log);

        await host.StartAsync();
        var delivery = host.Services.GetRequiredService<WebhookDelivery>();
        await delivery.ExecuteTask!.WaitAsync(Signal.Timeout);
        await host.StopAsync();

        Assert.True(delivery.Assigned.IsCompletedSuccessfully);
        Assert.Contains(log.Entries, e => e.Message.StartsWith("No webhook subscriptions configured", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Entries, e => e.Category == typeof(WebhookConsumer).FullName);
    }
}
