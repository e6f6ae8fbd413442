using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using VitalTwin.Gateway.Authentication;
using VitalTwin.Gateway.Ingestion;

namespace VitalTwin.Gateway.Hl7;

/// <summary>
/// Who sends on an HL7 connection. A client certificate wins: issued by the system CA, it names the system; one that
/// names none refuses the connection, whatever its address. Without a certificate the address must fall in one
/// sender's networks (<see cref="Hl7Options.Senders"/>).
/// </summary>
internal sealed class Hl7Senders(DeviceSignIn signIn, IOptions<Hl7Options> options)
{
    private readonly List<(Sender Sender, IPNetwork Network)> _networks =
    [
        .. from sender in options.Value.Senders
           from network in sender.Networks
           select (Sender.System(sender.Name), Hl7SenderOptions.ParseNetwork(network)),
    ];

    public Sender? Of(ConnectionContext connection)
    {
        if (connection.Features.Get<ITlsConnectionFeature>()?.ClientCertificate is { } certificate)
        {
            return signIn.SystemWithCertificate(certificate);
        }
        if (connection.RemoteEndPoint is not IPEndPoint { Address: var address })
        {
            return null;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        return _networks.FirstOrDefault(n => n.Network.Contains(address)).Sender;
    }
}
