using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Telemetry;
using VitalTwin.Consent;
using VitalTwin.Kafka;

namespace VitalTwin.Notification.Delivery;

public static class AlertDeliveryExtensions
{
    /// <summary>
    /// Delivers the alerts topic to the webhook subscribers configured under <c>Delivery:Webhooks</c>, each through
    /// its own consumer group and resilience pipeline, and only while the patient's consent allows it (a consent book
    /// following the consent topic). Expects the Kafka plumbing (<c>AddKafka</c>, part of the service defaults) to be
    /// registered.
    /// </summary>
    public static void AddAlertDelivery(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<DeliveryOptions>().BindConfiguration(DeliveryOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DeliveryOptions>, DeliveryOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<DeliveryMetrics>();
        services.TryAddSingleton<WebhookHostResolver>();
        services.TryAddSingleton<WebhookSender>();
        services.AddResiliencePipelines<WebhookPipelineKey>(registry =>
        {
            var delivery = registry.ServiceProvider.GetRequiredService<IOptions<DeliveryOptions>>().Value;
            foreach (var subscription in delivery.Webhooks)
            {
                registry.AddResiliencePipeline<HttpResponseMessage>(new WebhookPipelineKey(subscription.Name), (pipeline, context) =>
                {
                    // The pipeline logs each retry and circuit change itself, with the alert id; Polly's own lines
                    // (two per delivery, three per retry) would only repeat them, so they go to Debug.
                    pipeline.ConfigureTelemetry(new TelemetryOptions(context.ServiceProvider.GetRequiredService<IOptions<TelemetryOptions>>().Value)
                    {
                        SeverityProvider = _ => ResilienceEventSeverity.Debug,
                    });
                    WebhookResilience.Configure(
                        pipeline,
                        subscription.Name,
                        delivery.Resilience,
                        context.ServiceProvider.GetRequiredService<DeliveryMetrics>(),
                        context.ServiceProvider.GetRequiredService<TimeProvider>(),
                        context.ServiceProvider.GetRequiredService<ILogger<WebhookSender>>());
                });
            }
        });
        // Registered before the delivery, so the whole consent topic is read before the first record is sent; not at
        // all without a subscriber, which would have nothing to ask it.
        if (builder.Configuration.GetSection($"{DeliveryOptions.SectionName}:{nameof(DeliveryOptions.Webhooks)}").GetChildren().Any())
        {
            services.AddConsentBook();
        }
        // One consumer per subscriber, each in a group of its own; dead letters are what a subscriber refused for good.
        services.AddKafkaTopology(topology => topology
            .Consumes<WebhookConsumer>(group => WebhookConsumer.GroupId(group, "<subscription>"), topics => topics.Alerts)
            .Produces(topics => topics.DeadLetter));
        services.TryAddSingleton<WebhookDelivery>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookDelivery>());
    }
}
