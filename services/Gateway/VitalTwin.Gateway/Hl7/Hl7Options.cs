using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Options;

namespace VitalTwin.Gateway.Hl7;

/// <summary>
/// The HL7 v2 door, bound from <c>Gateway:Hl7</c>: MLLP-framed ORU^R01 messages on the Kestrel endpoint named
/// <see cref="Endpoint"/> (its URL, and for TLS its certificate, are Kestrel's configuration like any endpoint's).
/// </summary>
internal sealed class Hl7Options
{
    public const string SectionName = "Gateway:Hl7";

    public bool Enabled { get; set; }

    /// <summary>The name of the Kestrel endpoint (<c>Kestrel:Endpoints:&lt;name&gt;</c>) that speaks MLLP instead of HTTP.</summary>
    [Required]
    public string Endpoint { get; set; } = "Hl7";

    /// <summary>Largest message between the MLLP start and end bytes; a larger one is refused (AR) and its connection closed, unread.</summary>
    [Range(1_024, 16 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 1024 * 1024;

    /// <summary>How long a message may take to arrive once its first byte has: a half-sent frame is closed after it.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a connection may stay silent between messages before it is closed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Senders known by their network address, for connections that present no client certificate.</summary>
    public List<Hl7SenderOptions> Senders { get; set; } = [];

    internal sealed class Validator(IConfiguration configuration) : IValidateOptions<Hl7Options>
    {
        public ValidateOptionsResult Validate(string? name, Hl7Options options)
        {
            var failures = new List<string>();
            var url = configuration[$"Kestrel:Endpoints:{options.Endpoint}:Url"];
            if (options.Enabled && string.IsNullOrEmpty(url))
            {
                failures.Add($"{SectionName}:Enabled needs the Kestrel endpoint Kestrel:Endpoints:{options.Endpoint}");
            }
            if (!options.Enabled && !string.IsNullOrEmpty(url))
            {
                // Kestrel would serve HTTP on the port meant for MLLP.
                failures.Add($"Kestrel:Endpoints:{options.Endpoint} is configured but {SectionName}:Enabled is false");
            }
            var networks = new List<(string Sender, IPNetwork Network)>();
            foreach (var sender in options.Senders)
            {
                if (string.IsNullOrWhiteSpace(sender.Name))
                {
                    failures.Add($"{SectionName}:Senders has a sender without a name");
                }
                if (sender.Networks.Count == 0)
                {
                    failures.Add($"{SectionName}:Senders: {sender.Name} lists no network");
                }
                foreach (var text in sender.Networks)
                {
                    if (Hl7SenderOptions.TryParseNetwork(text, out var network))
                    {
                        networks.Add((sender.Name, network));
                    }
                    else
                    {
                        failures.Add($"{SectionName}:Senders: {sender.Name} lists '{text}', which is neither an address nor a CIDR range");
                    }
                }
            }
            // An address must name one sender: the devices each may speak for differ.
            for (var i = 0; i < networks.Count; i++)
            {
                for (var j = i + 1; j < networks.Count; j++)
                {
                    var (a, b) = (networks[i], networks[j]);
                    if (a.Sender != b.Sender && (a.Network.Contains(b.Network.BaseAddress) || b.Network.Contains(a.Network.BaseAddress)))
                    {
                        failures.Add($"{SectionName}:Senders: {a.Sender} and {b.Sender} share addresses ({a.Network}, {b.Network})");
                    }
                }
            }
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}

/// <summary>A sending system known by where it connects from: its name is the <c>ingest_system</c> of the devices it speaks for.</summary>
internal sealed class Hl7SenderOptions
{
    public string Name { get; set; } = "";

    /// <summary>Addresses (<c>10.1.2.3</c>) and CIDR ranges (<c>10.1.2.0/24</c>, <c>fd00::/64</c>) it connects from.</summary>
    public List<string> Networks { get; set; } = [];

    /// <summary>A network the options were validated with (<see cref="Hl7Options.Validator"/>).</summary>
    public static IPNetwork ParseNetwork(string text) =>
        TryParseNetwork(text, out var network) ? network : throw new FormatException("not an address or a CIDR range");

    public static bool TryParseNetwork(string text, out IPNetwork network)
    {
        if (IPAddress.TryParse(text, out var address) && !text.Contains('/', StringComparison.Ordinal))
        {
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }
        return IPNetwork.TryParse(text, out network);
    }
}
