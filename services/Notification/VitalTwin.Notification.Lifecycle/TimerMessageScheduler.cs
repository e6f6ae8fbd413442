using System.Collections.Concurrent;
using MassTransit;
using MassTransit.Configuration;
using MassTransit.Context;
using MassTransit.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace VitalTwin.Notification.Lifecycle;

/// <summary>
/// MassTransit's schedule provider on the process's <see cref="TimeProvider"/>: a scheduled message is a timer
/// that sends it to its destination when due. Unlike the in-memory transport's delayed delivery, cancelling
/// really stops the message, and tests drive the timers with fake time. Timers live in the process; a restart
/// re-creates them from the alerts topic (see <c>RestoreAlert</c>), which is why nothing else needs to hold them.
/// </summary>
public sealed partial class TimerScheduleMessageProvider(TimeProvider clock, IServiceProvider services, ILogger<TimerScheduleMessageProvider> logger)
    : IScheduleMessageProvider, IDisposable
{
    private readonly ConcurrentDictionary<Guid, ITimer> _timers = new();

    /// <summary>Timers not yet fired or cancelled.</summary>
    public int Pending => _timers.Count;

    public Task<ScheduledMessage<T>> ScheduleSend<T>(Uri destinationAddress, DateTime scheduledTime, T message, IPipe<SendContext<T>> pipe, CancellationToken cancellationToken)
        where T : class
    {
        var tokenId = NewId.NextGuid();
        var due = new DateTimeOffset(DateTime.SpecifyKind(scheduledTime, DateTimeKind.Utc));
        // Created stopped and started once registered, so a timer already due cannot fire before it can be found.
        var timer = clock.CreateTimer(_ => _ = DeliverAsync(tokenId, destinationAddress, message, pipe), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _timers[tokenId] = timer;
        var delay = due - clock.GetUtcNow();
        timer.Change(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        return Task.FromResult<ScheduledMessage<T>>(new ScheduledMessageHandle<T>(tokenId, scheduledTime, destinationAddress, message));
    }

    public Task CancelScheduledSend(Guid tokenId, CancellationToken cancellationToken)
    {
        if (_timers.TryRemove(tokenId, out var timer))
        {
            timer.Dispose();
        }
        return Task.CompletedTask;
    }

    public Task CancelScheduledSend(Uri destinationAddress, Guid tokenId, CancellationToken cancellationToken) =>
        CancelScheduledSend(tokenId, cancellationToken);

    private async Task DeliverAsync<T>(Guid tokenId, Uri destinationAddress, T message, IPipe<SendContext<T>> pipe)
        where T : class
    {
        if (!_timers.TryRemove(tokenId, out var timer))
        {
            return;
        }
        timer.Dispose();
        try
        {
            var endpoint = await services.GetRequiredService<IBus>().GetSendEndpoint(destinationAddress);
            await endpoint.Send(message, new TokenPipe<T>(pipe, tokenId));
        }
        catch (Exception error)
        {
            LogDeliveryFailed(logger, typeof(T).Name, error);
        }
    }

    public void Dispose()
    {
        foreach (var timer in _timers.Values)
        {
            timer.Dispose();
        }
        _timers.Clear();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A scheduled {MessageType} could not be delivered")]
    private static partial void LogDeliveryFailed(ILogger logger, string messageType, Exception error);

    /// <summary>Marks the message with its token, as MassTransit's schedules expect, so a superseded one is ignored.</summary>
    private sealed class TokenPipe<T>(IPipe<SendContext<T>> inner, Guid tokenId) : IPipe<SendContext<T>>
        where T : class
    {
        public Task Send(SendContext<T> context)
        {
            context.ScheduledMessageId = tokenId;
            context.Headers.Set(MessageHeaders.SchedulingTokenId, tokenId.ToString("D"));
            return inner.Send(context);
        }

        public void Probe(ProbeContext context) => inner.Probe(context);
    }
}

internal sealed class TimerSchedulerFilter(TimerScheduleMessageProvider provider) : IFilter<ConsumeContext>
{
    public Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        context.GetOrAddPayload<MessageSchedulerContext>(() =>
            new ConsumeMessageSchedulerContext(context, c => new MessageScheduler(provider, c.GetPayload<IBusTopology>())));
        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("timerMessageScheduler");
}

internal sealed class TimerSchedulerSpecification(TimerScheduleMessageProvider provider) : IPipeSpecification<ConsumeContext>
{
    public void Apply(IPipeBuilder<ConsumeContext> builder) => builder.AddFilter(new TimerSchedulerFilter(provider));

    public IEnumerable<ValidationResult> Validate() => [];
}
