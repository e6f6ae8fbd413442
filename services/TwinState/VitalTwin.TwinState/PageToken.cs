using System.Text;
using Grpc.Core;
using VitalTwin.TwinState.Query;

namespace VitalTwin.TwinState;

/// <summary>
/// Opaque paging cursor: the last patient id of the previous page and the filters it was listed with, so that a
/// token is refused when the filters change between pages instead of silently paging a different list.
/// </summary>
internal static class PageToken
{
    private const byte Version = 1;

    public static string Encode(string lastPatientId, TwinFilter filter)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Version);
            writer.Write(filter.Ward ?? string.Empty);
            writer.Write(filter.MinNews2);
            writer.Write(filter.WithOpenAnomalies);
            writer.Write(lastPatientId);
        }

        return Convert.ToBase64String(buffer.ToArray());
    }

    /// <summary>The patient id to list after; null for the first page.</summary>
    public static string? Decode(string token, TwinFilter filter)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        string ward, after;
        int minNews2;
        bool withOpenAnomalies;
        try
        {
            using var reader = new BinaryReader(new MemoryStream(Convert.FromBase64String(token), writable: false), Encoding.UTF8);
            if (reader.ReadByte() != Version)
            {
                throw NotIssued();
            }

            (ward, minNews2, withOpenAnomalies, after) = (reader.ReadString(), reader.ReadInt32(), reader.ReadBoolean(), reader.ReadString());
            if (reader.BaseStream.Position != reader.BaseStream.Length)
            {
                throw NotIssued();
            }
        }
        catch (Exception e) when (e is FormatException or EndOfStreamException or IOException or DecoderFallbackException)
        {
            throw NotIssued();
        }

        if (ward != (filter.Ward ?? string.Empty) || minNews2 != filter.MinNews2 || withOpenAnomalies != filter.WithOpenAnomalies)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "page_token was issued for other filters; list from the first page again"));
        }

        return after;
    }

    private static RpcException NotIssued() => new(new Status(StatusCode.InvalidArgument, "page_token is not one this service issued"));
}
