using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace VitalTwin.TwinState.Snapshots.Tests;

/// <summary>
/// The server side of the sidecar's state methods. Dapr.Protos ships client stubs only (its dapr.proto is compiled
/// with GrpcServices="Client"), so this binds the same service and method names by hand, with its message types.
/// </summary>
[BindServiceMethod(typeof(DaprStateServiceBase), nameof(BindService))]
internal abstract class DaprStateServiceBase
{
    private static readonly string ServiceName = Dapr.Client.Autogen.Grpc.v1.Dapr.Descriptor.FullName;

    public virtual Task<Empty> SaveState(SaveStateRequest request, ServerCallContext context) => throw Unimplemented();

    public virtual Task<GetStateResponse> GetState(GetStateRequest request, ServerCallContext context) => throw Unimplemented();

    public virtual Task<GetBulkStateResponse> GetBulkState(GetBulkStateRequest request, ServerCallContext context) => throw Unimplemented();

    public virtual Task<Empty> DeleteState(DeleteStateRequest request, ServerCallContext context) => throw Unimplemented();

    // Grpc.AspNetCore calls this with a null service to learn the methods, then finds each override by name.
    public static void BindService(ServiceBinderBase binder, DaprStateServiceBase? service)
    {
        ArgumentNullException.ThrowIfNull(binder);
        binder.AddMethod(Unary<SaveStateRequest, Empty>(nameof(SaveState)), service is null ? null : service.SaveState);
        binder.AddMethod(Unary<GetStateRequest, GetStateResponse>(nameof(GetState)), service is null ? null : service.GetState);
        binder.AddMethod(Unary<GetBulkStateRequest, GetBulkStateResponse>(nameof(GetBulkState)), service is null ? null : service.GetBulkState);
        binder.AddMethod(Unary<DeleteStateRequest, Empty>(nameof(DeleteState)), service is null ? null : service.DeleteState);
    }

    private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        new(MethodType.Unary, ServiceName, name, MarshallerFor<TRequest>(), MarshallerFor<TResponse>());

    private static Marshaller<T> MarshallerFor<T>()
        where T : class, IMessage<T>, new()
    {
        var parser = new MessageParser<T>(() => new T());
        return Marshallers.Create(static message => message.ToByteArray(), parser.ParseFrom);
    }

    private static RpcException Unimplemented() => new(new Status(StatusCode.Unimplemented, "not served by the fake sidecar"));
}
