using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace VitalTwin.Gateway.Mqtt;

/// <summary>
/// The MQTT front door, bound from <c>Gateway:Mqtt</c>. Its listeners are Kestrel endpoints named in
/// <see cref="Endpoints"/> (<c>Kestrel:Endpoints:&lt;name&gt;</c>: an <c>http://</c> URL is plain TCP, an
/// <c>https://</c> one TLS with the endpoint's certificate), so TLS and client certificates work as on the gRPC door.
/// </summary>
internal sealed class MqttOptions
{
    public const string SectionName = "Gateway:Mqtt";

    public bool Enabled { get; set; } = true;

    /// <summary>Names of the Kestrel endpoints that speak MQTT instead of HTTP.</summary>
    [MinLength(1)]
    public string[] Endpoints { get; set; } = ["Mqtt"];

    /// <summary>Largest MQTT packet accepted (fixed header included); a larger one closes the connection before it is read.</summary>
    [Range(1_024, 16 * 1024 * 1024)]
    public int MaxPacketBytes { get; set; } = 1024 * 1024;

    /// <summary>How long a connection may take to send its whole CONNECT packet; a slower one is closed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a connection may stay silent (no packet, not even PINGREQ) before it is closed; keep it above the devices' keep-alive.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Checks that every endpoint named is configured, so a typo cannot silently leave the door shut.</summary>
    internal sealed class Validator(IConfiguration configuration) : IValidateOptions<MqttOptions>
    {
        public ValidateOptionsResult Validate(string? name, MqttOptions options)
        {
            if (!options.Enabled)
            {
                return ValidateOptionsResult.Success;
            }
            var missing = options.Endpoints.Where(endpoint => string.IsNullOrEmpty(configuration[$"Kestrel:Endpoints:{endpoint}:Url"])).ToList();
            return missing.Count == 0
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail($"{SectionName}:Endpoints names Kestrel endpoints that are not configured: {string.Join(", ", missing)}");
        }
    }
}
