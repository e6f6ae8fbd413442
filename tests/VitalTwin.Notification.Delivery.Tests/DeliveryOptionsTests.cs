using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
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
    public async Task Outside_development_a_subscriber_needs_https_and_a_secret_of_32_random_bytes()
    {
        var strong = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var settings = DeliveryHost.Configuration("127.0.0.1:9", new KafkaTopics(), "notification",
            new WebhookSubscription { Name = "ehr", Url = "https://ehr.hospital.example/alerts", Secret = strong },
            new WebhookSubscription { Name = "plain", Url = "http://ehr.hospital.example/alerts", Secret = strong },
            new WebhookSubscription { Name = "unsigned", Url = "https://pager.hospital.example/alerts" },
            new WebhookSubscription { Name = "words", Url = "https://pager.hospital.example/alerts", Secret = "a passphrase that is long but not base64 at all" },
            new WebhookSubscription { Name = "short", Url = "https://pager.hospital.example/alerts", Secret = Convert.ToBase64String(new byte[31]) });
        using var host = DeliveryHost.Build(settings, output: null, out _, environment: Environments.Production);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Delivery:Webhooks:1 (plain): Url 'http://ehr.hospital.example/alerts' must be https outside Development.", error.Failures);
        const string NeedsSecret = "Secret is required outside Development: base64 of at least 32 random bytes (e.g. openssl rand -base64 32).";
        Assert.Contains($"Delivery:Webhooks:2 (unsigned): {NeedsSecret}", error.Failures);
        Assert.Contains($"Delivery:Webhooks:3 (words): {NeedsSecret}", error.Failures);
        Assert.Contains($"Delivery:Webhooks:4 (short): {NeedsSecret}", error.Failures);
        Assert.DoesNotContain(error.Failures, f => f.StartsWith("Delivery:Webhooks:0 ", StringComparison.Ordinal) || f.Contains(strong, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://169.254.170.2/v2/credentials")]
    [InlineData("http://[fe80::1]/alerts")]
    [InlineData("http://[fd00:ec2::254]/latest/meta-data/")]
    [InlineData("http://[::ffff:169.254.169.254]/")]
    [InlineData("http://100.100.100.200/latest/meta-data/")]
    [InlineData("http://metadata.google.internal/computeMetadata/v1/")]
    [InlineData("http://METADATA.GOOGLE.INTERNAL./computeMetadata/v1/")]
    [InlineData("http://metadata/computeMetadata/v1/")]
    [InlineData("http://2852039166/latest/meta-data/")]
    public async Task A_link_local_or_metadata_target_is_refused_in_every_environment(string url)
    {
        var settings = DeliveryHost.Configuration("127.0.0.1:9", new KafkaTopics(), "notification", new WebhookSubscription { Name = "ehr", Url = url });
        using var host = DeliveryHost.Build(settings, output: null, out _);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal($"Delivery:Webhooks:0 (ehr): Url '{url}' points at a link-local address or a cloud metadata service.", Assert.Single(error.Failures));
    }

    [Fact]
    public async Task A_fhir_identifier_system_must_be_an_absolute_uri()
    {
        var settings = DeliveryHost.Configuration("127.0.0.1:9", new KafkaTopics(), "notification");
        settings["Delivery:Fhir:PatientIdentifierSystem"] = "mrn";
        using var host = DeliveryHost.Build(settings, output: null, out _);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal("Delivery:Fhir: PatientIdentifierSystem 'mrn' is not an absolute URI.", Assert.Single(error.Failures));
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
