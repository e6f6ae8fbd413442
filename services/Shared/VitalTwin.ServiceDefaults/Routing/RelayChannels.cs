using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;

namespace VitalTwin.ServiceDefaults.Routing;

/// <summary>
/// One gRPC channel per other replica, kept for the process's life. Over https a replica is reached at its pod IP but
/// proves the name <see cref="RoutingOptions.PeerServerName"/>, issued by <see cref="RoutingOptions.PeerCaPath"/>.
/// </summary>
public sealed class RelayChannels : IDisposable
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");

    private readonly ConcurrentDictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);
    private readonly string? _peerServerName;
    private readonly X509Certificate2Collection _peerCas;

    public RelayChannels(IOptions<RoutingOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _peerServerName = string.IsNullOrEmpty(options.Value.PeerServerName) ? null : options.Value.PeerServerName;
        _peerCas = options.Value.LoadPeerCas();
    }

    /// <summary>The channel to the replica at <paramref name="address"/>.</summary>
    public GrpcChannel For(string address) => _channels.GetOrAdd(address, Create);

    private GrpcChannel Create(string address)
    {
        var sockets = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        if (_peerCas.Count > 0)
        {
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                // The peers' CA is the release's own: it publishes no revocation list to fetch.
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(_peerCas);
            // Set here so that the handshake, which adds it to an empty list, never changes a policy every connection shares.
            policy.ApplicationPolicy.Add(ServerAuthentication);
            sockets.SslOptions.CertificateChainPolicy = policy;
        }
        HttpMessageHandler handler = _peerServerName is null ? sockets : new PeerServerNameHandler(_peerServerName) { InnerHandler = sockets };
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    public void Dispose()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }
    }

    /// <summary>
    /// The Host header names the server TLS expects (SocketsHttpHandler takes the name it checks from it), while the
    /// connection goes to the address's host.
    /// </summary>
    private sealed class PeerServerNameHandler(string serverName) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Host = request.RequestUri is { Port: var port } ? $"{serverName}:{port}" : serverName;
            return base.SendAsync(request, cancellationToken);
        }
    }
}
