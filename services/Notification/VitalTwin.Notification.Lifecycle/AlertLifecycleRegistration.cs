using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace VitalTwin.Notification.Lifecycle;

public static class AlertLifecycleRegistration
{
    /// <summary>
    /// The lifecycle on MassTransit's in-memory bus, with timers on the registered <see cref="TimeProvider"/>.
    /// The caller registers <see cref="IAlertEventSink"/> and binds <see cref="AlertLifecycleOptions"/>.
    /// </summary>
    public static IServiceCollection AddAlertLifecycle(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<AlertBook>();
        services.AddSingleton<AlertEvents>();
        services.AddSingleton<AlertLifecycle>();
        services.AddSingleton<TimerScheduleMessageProvider>();
        services.AddMassTransit(x =>
        {
            x.AddSagaStateMachine<AlertStateMachine, AlertSaga>().InMemoryRepository();
            x.UsingInMemory((context, bus) =>
            {
                bus.AddPrePipeSpecification(new TimerSchedulerSpecification(context.GetRequiredService<TimerScheduleMessageProvider>()));
                bus.ConfigureEndpoints(context);
            });
        });
        // Kafka consumers ask the lifecycle to act as soon as partitions are assigned: the bus must be up first.
        services.Configure<MassTransitHostOptions>(options => options.WaitUntilStarted = true);
        return services;
    }
}
