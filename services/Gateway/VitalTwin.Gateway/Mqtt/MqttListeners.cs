using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace VitalTwin.Gateway.Mqtt;

/// <summary>The Kestrel endpoints speaking MQTT, and where they are bound once the Gateway has started (a port 0 becomes a free one).</summary>
internal sealed class MqttListeners
{
    private readonly Lock _gate = new();
    private readonly List<(ListenOptions Listen, bool Tls)> _listeners = [];

    public void Add(ListenOptions listen, bool tls)
    {
        lock (_gate)
        {
            _listeners.Add((listen, tls));
        }
    }

    /// <summary><c>mqtt://host:port</c> for plain TCP, <c>mqtts://host:port</c> for TLS.</summary>
    public IReadOnlyList<Uri> Addresses
    {
        get
        {
            lock (_gate)
            {
                return [.. _listeners.Select(l => new Uri($"{(l.Tls ? "mqtts" : "mqtt")}://{Format(l.Listen.IPEndPoint)}"))];
            }
        }
    }

    private static string Format(IPEndPoint? endpoint) => endpoint is null ? "localhost" : endpoint.ToString();
}
