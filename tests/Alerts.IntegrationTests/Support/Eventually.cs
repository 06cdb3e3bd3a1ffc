namespace Alerts.IntegrationTests.Support;

/// <summary>Polls for a condition with a deadline: the only way these tests wait.</summary>
public static class Eventually
{
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0}s waiting for {what}");
            }

            await Task.Delay(50);
        }
    }
}
