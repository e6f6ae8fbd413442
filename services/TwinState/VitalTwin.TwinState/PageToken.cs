using System.Text;
using Grpc.Core;

namespace VitalTwin.TwinState;

/// <summary>Opaque paging cursor: the last patient id of the previous page.</summary>
internal static class PageToken
{
    public static string Encode(string lastPatientId) => Convert.ToBase64String(Encoding.UTF8.GetBytes(lastPatientId));

    public static string? Decode(string token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "page_token is not one this service issued"));
        }
    }
}
