using System.Net;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace VitalTwin.Kafka.Security;

/// <summary>
/// Says at start how the process reaches Kafka, and warns when events would cross a network unencrypted. A warning,
/// not a refusal: some sites end TLS at a proxy or a service mesh in front of the brokers.
/// </summary>
internal sealed partial class KafkaSecurityReport(IOptions<KafkaOptions> options, ILogger<KafkaSecurityReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var security = options.Value.Security;
        LogSecurity(logger, security.Protocol, security.UsesSasl ? security.SaslMechanism?.ToString() ?? "none" : "none");
        if (!security.UsesTls && RemoteBrokers(options.Value.BootstrapServers) is { Count: > 0 } remote)
        {
            LogUnencrypted(logger, security.Protocol, string.Join(", ", remote));
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The bootstrap hosts that are not this machine.</summary>
    internal static IReadOnlyList<string> RemoteBrokers(string bootstrapServers) =>
        bootstrapServers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(Host)
            .Where(host => !IsLoopback(host))
            .ToList();

    private static string Host(string server)
    {
        // "host:port", "[::1]:port", or a bare host; a scheme prefix such as "PLAINTEXT://" is allowed by librdkafka.
        var address = server.Contains("://", StringComparison.Ordinal) ? server[(server.IndexOf("://", StringComparison.Ordinal) + 3)..] : server;
        if (address.StartsWith('['))
        {
            return address[1..address.IndexOf(']', StringComparison.Ordinal)];
        }
        var colon = address.LastIndexOf(':');
        return colon > 0 ? address[..colon] : address;
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));

    [LoggerMessage(Level = LogLevel.Information, Message = "Kafka clients connect with {Protocol}, SASL mechanism {Mechanism}")]
    private static partial void LogSecurity(ILogger logger, SecurityProtocol protocol, string mechanism);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka traffic to {Brokers} is not encrypted ({Protocol}): patient events cross the network in clear unless TLS ends in front of the brokers")]
    private static partial void LogUnencrypted(ILogger logger, SecurityProtocol protocol, string brokers);
}
