using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace VitalTwin.Gateway.Hl7;

/// <summary>The Kestrel endpoint that speaks MLLP: its TLS as configured, then the HL7 door instead of HTTP.</summary>
internal sealed class Hl7Listener
{
    private ListenOptions? _listen;

    /// <summary>Where the door listens once the Gateway has started (the port Kestrel chose for port 0); null when it is off.</summary>
    public IPEndPoint? Endpoint => _listen?.IPEndPoint;

    public void Attach(EndpointConfiguration endpoint)
    {
        if (endpoint.IsHttps)
        {
            // Kestrel would add TLS after this callback, behind the handler, which would then read the raw handshake.
            endpoint.ListenOptions.UseHttps(endpoint.HttpsOptions);
        }
        endpoint.ListenOptions.UseConnectionHandler<MllpConnectionHandler>();
        _listen = endpoint.ListenOptions;
    }
}
