using VitalTwin.ServiceDefaults.Security;

namespace VitalTwin.DevHost;

/// <summary>A token of the demo's identity provider, and the shell variable it is written to.</summary>
public sealed record DemoToken(string Variable, string Holder, string Value);

/// <summary>
/// One token per role, for trying the APIs by hand: registering a device, reading the alert stream, a clinician of
/// every ward and one of a single ward, an operator. They are signed by the run's own issuer, so worthless elsewhere.
/// </summary>
public static class DemoTokens
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    public static IReadOnlyList<DemoToken> Mint(LocalTokenIssuer issuer)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        var ward = DemoWards.Names[0];
        return
        [
            new("REGISTRAR_TOKEN", "registrar (devices, consent)", issuer.Mint("demo-registrar", [Roles.Registrar], lifetime: Lifetime)),
            new("INTEGRATION_TOKEN", "integration (the alert stream)", issuer.Mint("demo-integration", [Roles.Integration], lifetime: Lifetime)),
            new("CLINICIAN_TOKEN", "clinician, every ward", issuer.Mint("demo-clinician", [Roles.Clinician], [Caller.EveryWard], Lifetime)),
            new("WARD_CLINICIAN_TOKEN", $"clinician, {ward} only", issuer.Mint($"demo-nurse-{ward}", [Roles.Clinician], [ward], Lifetime)),
            new("OPERATOR_TOKEN", "operator (health; no patient data)", issuer.Mint("demo-operator", [Roles.Operator], lifetime: Lifetime)),
        ];
    }

    /// <summary>Writes the tokens as <c>NAME=token</c> lines a shell can source, readable by the owner only.</summary>
    public static void Write(string path, IReadOnlyList<DemoToken> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        // No byte-order mark: a shell would read it as part of the first name.
        using var file = new StreamWriter(path, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false), options);
        foreach (var token in tokens)
        {
            file.WriteLine($"{token.Variable}={token.Value}");
        }
    }
}
