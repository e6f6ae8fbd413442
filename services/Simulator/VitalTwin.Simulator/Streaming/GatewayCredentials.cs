using Grpc.Core;

namespace VitalTwin.Simulator.Streaming;

/// <summary>The header the Gateway authenticates registrations by: a registrar's bearer token.</summary>
internal static class GatewayCredentials
{
    public static Metadata Registrar(string? accessToken) =>
        accessToken is null ? [] : [new Metadata.Entry("authorization", $"Bearer {accessToken}")];

    /// <summary>Whether the Gateway refused a registration for want of a registrar's token: retrying cannot help.</summary>
    public static bool IsRefusal(RpcException exception) => exception.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied;

    /// <summary>A refused registration, said as what to do about it.</summary>
    public static InvalidOperationException RegistrationRefused(RpcException refusal) => new(
        $"The Gateway refused to register a device ({refusal.StatusCode}). Registrations need a bearer token with the registrar role: "
        + "set Simulator__AccessToken in the environment (the one-machine demo prints a registrar token).",
        refusal);
}
