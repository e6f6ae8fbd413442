using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace VitalTwin.Notification.Delivery;

/// <summary>
/// Where a webhook may not point: link-local addresses and the cloud metadata services, which hand out the host's
/// credentials to whoever asks from inside. Checked for the configured URLs at start and again for every address a
/// host name resolves to at connect time, since DNS can point an innocent-looking name there.
/// </summary>
internal static partial class WebhookTargets
{
    private static readonly HashSet<string> MetadataHosts = new(StringComparer.OrdinalIgnoreCase)
    {
        "metadata", "metadata.google.internal", "metadata.goog", "metadata.azure.internal", "instance-data", "instance-data.ec2.internal",
    };

    private static readonly IPAddress[] MetadataAddresses =
    [
        IPAddress.Parse("100.100.100.200"), // Alibaba Cloud
        IPAddress.Parse("192.0.0.192"), // Oracle Cloud
        IPAddress.Parse("fd00:ec2::254"), // AWS over IPv6
    ];

    /// <summary>Whether the host of a configured URL is a refused target: a metadata host name or a refused address.</summary>
    public static bool IsRefused(Uri url) =>
        MetadataHosts.Contains(url.IdnHost.TrimEnd('.')) || (IPAddress.TryParse(url.IdnHost, out var address) && IsRefused(address));

    /// <summary>169.254.0.0/16, fe80::/10 and the metadata addresses outside them, IPv4-mapped forms included.</summary>
    public static bool IsRefused(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> bytes = stackalloc byte[4];
            address.TryWriteBytes(bytes, out _);
            if (bytes[0] == 169 && bytes[1] == 254)
            {
                return true;
            }
        }
        return address.IsIPv6LinkLocal || MetadataAddresses.Contains(address);
    }

    /// <summary>
    /// A <see cref="SocketsHttpHandler.ConnectCallback"/>: connects to the permitted addresses of the host only, and
    /// refuses a host that has none (a transient failure to the pipeline: DNS may change back, and nothing is lost).
    /// </summary>
    public static async ValueTask<Stream> ConnectAsync(WebhookHostResolver resolver, ILogger logger, SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var endpoint = context.DnsEndPoint;
        IPAddress[] addresses = IPAddress.TryParse(endpoint.Host, out var literal) ? [literal] : await resolver.ResolveAsync(endpoint.Host, cancellationToken);
        var permitted = addresses.Where(address => !IsRefused(address)).ToArray();
        if (permitted.Length == 0)
        {
            LogRefused(logger, endpoint.Host);
            throw new HttpRequestException($"Webhook host {endpoint.Host} resolves only to link-local or cloud metadata addresses; not connected.");
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(permitted, endpoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook host {Host} resolves only to link-local or cloud metadata addresses; not connected")]
    private static partial void LogRefused(ILogger logger, string host);
}

/// <summary>Resolves webhook host names; a class of its own so tests can point a name anywhere.</summary>
internal class WebhookHostResolver
{
    public virtual Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) => Dns.GetHostAddressesAsync(host, cancellationToken);
}
