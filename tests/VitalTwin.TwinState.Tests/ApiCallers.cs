using Grpc.Core;
using Grpc.Net.Client;
using VitalTwin.ServiceDefaults.Security;

namespace VitalTwin.TwinState.Tests;

/// <summary>Bearer tokens and channels for calling a service's APIs in tests, as the hospital's staff and systems would.</summary>
internal static class ApiCallers
{
    /// <summary>
    /// A token with every role on every ward, valid from 2000 for a century: whatever clock the service runs on
    /// (real or a test's fake one) finds it valid, so tests that are not about authorization need not think of it.
    /// </summary>
    public static string StaffToken(this LocalTokenIssuer issuer) =>
        issuer.Mint("test-staff", [Roles.Clinician, Roles.Operator, Roles.Integration, Roles.Registrar], [Caller.EveryWard], TimeSpan.FromDays(36_500), new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>A plaintext HTTP/2 channel whose calls carry <paramref name="bearerToken"/> (none when null).</summary>
    public static GrpcChannel Channel(string address, string? bearerToken)
    {
        if (bearerToken is null)
        {
            return GrpcChannel.ForAddress(address);
        }

        var bearer = CallCredentials.FromInterceptor((_, metadata) =>
        {
            metadata.Add("authorization", $"Bearer {bearerToken}");
            return Task.CompletedTask;
        });
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure, bearer),
            UnsafeUseInsecureChannelCallCredentials = true,
        });
    }
}
