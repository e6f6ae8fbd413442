using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using MQTTnet.AspNetCore;
using MQTTnet.Server;

namespace VitalTwin.Gateway.Mqtt;

internal static class MqttDoorExtensions
{
    /// <summary>
    /// The MQTT door on the Kestrel endpoints <see cref="MqttOptions.Endpoints"/> names: TLS (and client certificates)
    /// as Kestrel's HTTPS defaults configure them for every door, then <see cref="MqttConnectionGuard"/>, then MQTTnet.
    /// </summary>
    public static void AddMqttDoor(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<MqttOptions>().BindConfiguration(MqttOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<MqttOptions>, MqttOptions.Validator>();
        services.AddSingleton<MqttListeners>();
        if (!builder.Configuration.GetValue($"{MqttOptions.SectionName}:{nameof(MqttOptions.Enabled)}", true))
        {
            return;
        }
        services.AddSingleton<MqttConnectionGuard>();
        services.AddSingleton<SenmlReadings>();
        services.AddMqttConnectionHandler();
        services.AddSingleton(provider => new MqttServerOptionsBuilder()
            // MQTTnet's own wait for the CONNECT, behind the guard's.
            .WithDefaultCommunicationTimeout(provider.GetRequiredService<IOptions<MqttOptions>>().Value.ConnectTimeout * 2)
            .Build());
        services.AddHostedMqttServer();
        services.AddHostedService<MqttDoor>();
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<MqttOptions>, MqttConnectionGuard, MqttListeners>((kestrel, mqtt, guard, listeners) =>
        {
            var loader = kestrel.ConfigurationLoader
                ?? throw new InvalidOperationException("the MQTT door needs Kestrel's endpoints from configuration");
            foreach (var name in mqtt.Value.Endpoints)
            {
                loader.Endpoint(name, endpoint =>
                {
                    // TLS first, as configured for the endpoint (certificate) and by the HTTPS defaults (client certificates).
                    if (endpoint.IsHttps)
                    {
                        endpoint.ListenOptions.UseHttps(endpoint.HttpsOptions);
                    }
                    endpoint.ListenOptions.Use(next => connection => guard.OnConnectionAsync(connection, next));
                    endpoint.ListenOptions.UseMqtt();
                    listeners.Add(endpoint.ListenOptions, endpoint.IsHttps);
                });
            }
        });
    }
}
