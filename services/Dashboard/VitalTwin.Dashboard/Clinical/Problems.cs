using Grpc.Core;

namespace VitalTwin.Dashboard.Clinical;

/// <summary>What a page tells the user when a service refused or failed a call.</summary>
public static class Problems
{
    /// <summary>What a page says once the user's access token is no longer accepted; it offers to sign in again.</summary>
    public const string SessionEnded = "Your session has ended: sign in again.";

    /// <summary>What a page says of a call this deployment's services do not offer yet.</summary>
    public const string NotAvailable = "Not available on this deployment yet.";

    public static string Of(RpcException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        return ex.StatusCode switch
        {
            StatusCode.Unauthenticated => SessionEnded,
            StatusCode.PermissionDenied => "You are not allowed to see this.",
            StatusCode.NotFound => "Not found, or not on a ward you may see.",
            StatusCode.InvalidArgument or StatusCode.FailedPrecondition => ex.Status.Detail,
            StatusCode.Unimplemented => NotAvailable,
            _ => "The service did not answer; try again in a moment.",
        };
    }
}
