using System.Net;
using Alerts.IntegrationTests.Support;
using OpenQA.Selenium;

namespace Alerts.IntegrationTests;

/// <summary>
/// The on-call page in Debian's chromium, as an engineer woken at night uses it: behind basic authentication, on alerts
/// that came over AMQP and from amtool, with silences, acknowledgements, a replay of what was parked, and hostile text.
/// </summary>
[Collection(UsesBroker.Name)]
public sealed class When_the_on_call_engineer_opens_the_page(Broker broker)
{
    const string User = "oncall", Password = "night-shift";
    const string Hostile = """<img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>""";

    [Fact]
    public async Task Should_show_what_fires_and_silence_acknowledge_and_expire_from_the_page_with_hostile_text_as_text()
    {
        await using var routes = await RunningRoutes.StartAsync(broker);
        await routes.Broker.DeclareDeploymentTopologyAsync();
        await routes.AddConsumerAsync("critical");
        var (frontDoor, address) = await StartFrontDoorAsync(routes.Broker.Settings);
        await using var _ = frontDoor;
        using var amtool = await Amtool.CreateAsync(address);
        await BookClient.PublishAsync(routes.Broker, "critical.rate_limit", "Hacker at 10k req/s");
        await amtool.RunAsync("alert", "add", "alertname=DiskFull", "severity=critical", "instance=db-1", "--annotation=summary=disk full on db-1");
        await BookClient.PublishAsync(routes.Broker, "critical.page_injection", Hostile);

        using var browser = Browser.Open(nameof(Should_show_what_fires_and_silence_acknowledge_and_expire_from_the_page_with_hostile_text_as_text));
        browser.OpenPage(address, User, Password);
        browser.WaitFor(_ => browser.Group("Hacker at 10k req/s") is not null && browser.Group("disk full on db-1") is not null && browser.Group("page_injection") is not null,
            "the alert from AMQP, the one from amtool and the hostile one");
        browser.WaitFor(_ => browser.Group("page_injection")?.Text.Contains(Hostile, StringComparison.Ordinal), "the hostile text as text");
        Assert.Equal("Alerts · on call", browser.Driver.Title);
        Assert.Empty(browser.Driver.FindElements(By.CssSelector("#routes img, #routes script")));
        Assert.Empty(UnlabelledControls(browser));
        browser.Screenshot("firing");
        // Nothing from another host (it works on an air-gapped network), and the page itself under 512 KB.
        Assert.Empty((IEnumerable<object>)browser.Script(
            "return performance.getEntriesByType('resource').map(e => e.name).filter(name => new URL(name).origin !== location.origin)")!);
        var pageBytes = Convert.ToInt64(browser.Script("""
            return [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource').filter(e => e.initiatorType !== 'fetch')]
              .reduce((bytes, e) => bytes + e.decodedBodySize, 0)
            """), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(pageBytes, 10_000, 512 * 1024);

        // Each alert's labels, on demand; they stay open while the page refreshes.
        browser.WaitFor(_ => browser.Group("disk full on db-1")?.FindElements(By.TagName("summary")).FirstOrDefault() is { } summary && Clicked(summary), "the group's alert list");
        browser.WaitFor(_ => browser.Group("disk full on db-1")?.FindElements(By.CssSelector("ul.alerts")).FirstOrDefault()?.Text.Contains("alertname=\"DiskFull\"", StringComparison.Ordinal),
            "the alert's own labels");

        // A silence from the group, prefilled with its labels.
        browser.Press("disk full on db-1", "Silence…");
        Assert.Contains("type=\"disk_full\"", browser.Driver.FindElement(By.Id("silence-matchers")).GetAttribute("value"), StringComparison.Ordinal);
        browser.Driver.FindElement(By.Id("silence-author")).SendKeys("Bob");
        browser.Driver.FindElement(By.Id("silence-comment")).SendKeys("replacing the disk");
        browser.Driver.FindElement(By.XPath("//button[text()='Create silence']")).Click();
        browser.WaitFor(_ => browser.Group("disk full on db-1")?.Text.Contains("Silenced by Bob", StringComparison.Ordinal), "the group silenced by Bob");
        Assert.Contains("suppressed", await amtool.RunAsync("alert", "query", "--silenced", "-o", "extended", "alertname=DiskFull"), StringComparison.Ordinal);

        // An acknowledgement, from the keyboard alone: the group's button, Enter, the name, Enter.
        browser.Press("Hacker at 10k req/s", "Acknowledge…", Keys.Enter);
        browser.WaitFor(driver => driver.SwitchTo().ActiveElement().GetAttribute("id") == "ack-author", "the acknowledgement's name field to have the focus");
        browser.Driver.SwitchTo().ActiveElement().SendKeys(Keys.Control + "a" + Keys.Control + "Ann" + Keys.Enter); // over the name the page remembered
        browser.WaitFor(_ => browser.Group("Hacker at 10k req/s")?.Text.Contains("Acknowledged by Ann", StringComparison.Ordinal), "the group acknowledged by Ann");
        var acknowledgement = await amtool.RunAsync("silence", "query", "-o", "extended");
        Assert.Contains("ACK!", acknowledgement, StringComparison.Ordinal);
        Assert.Contains("Ann", acknowledgement, StringComparison.Ordinal);
        browser.Screenshot("silenced-and-acknowledged");

        // Expire Bob's silence: the group fires again.
        browser.Driver.FindElement(By.CssSelector("button[aria-label^='Expire the silence by Bob']")).Click();
        browser.WaitFor(_ => browser.Group("disk full on db-1") is { } group && !group.Text.Contains("Silenced", StringComparison.Ordinal), "the group firing again");
        Assert.DoesNotContain("Bob", await amtool.RunAsync("silence", "query"), StringComparison.Ordinal);

        // A filter as amtool takes it.
        browser.Driver.FindElement(By.Id("filter")).SendKeys("alertname=\"DiskFull\"" + Keys.Enter);
        browser.WaitFor(_ => browser.Group("Hacker at 10k req/s") is null, "the filter to leave only DiskFull");
        browser.WaitFor(_ => browser.Group("disk full on db-1"), "DiskFull under the filter");

        // The history of one alert: it fired and was muted by Bob's silence.
        browser.Driver.FindElement(By.Id("history-filter")).SendKeys("alertname=DiskFull" + Keys.Enter);
        browser.WaitFor(driver => driver.FindElement(By.Id("history-list")).Text is var found
            && found.Contains("fired", StringComparison.Ordinal) && found.Contains("disk full on db-1", StringComparison.Ordinal), "the history of DiskFull");

        Assert.Equal("Alerts · on call", browser.Driver.Title); // the hostile text ran nowhere
        Assert.Empty(browser.Errors());
        browser.Screenshot("expired-and-filtered");
    }

    [Fact]
    public async Task Should_replay_a_parked_alert_and_see_it_mailed_at_a_phone_width_and_refuse_a_change_from_another_site()
    {
        await using var routes = await RunningRoutes.StartAsync(broker);
        await routes.Broker.DeclareDeploymentTopologyAsync();
        await routes.Broker.ParkAsync("critical", "critical.db_down", count: 1);
        await routes.AddConsumerAsync("critical");
        var (frontDoor, address) = await StartFrontDoorAsync(routes.Broker.Settings);
        await using var _ = frontDoor;

        using var browser = Browser.Open(nameof(Should_replay_a_parked_alert_and_see_it_mailed_at_a_phone_width_and_refuse_a_change_from_another_site), 390, 844);
        browser.OpenPage(address, User, Password);
        var parked = browser.WaitFor(driver => driver.FindElements(By.CssSelector("[data-route='critical']")).FirstOrDefault(row => row.Text.Contains("1 alert and", StringComparison.Ordinal)),
            "one alert parked by route critical");
        browser.Screenshot("parked");
        parked.FindElement(By.TagName("button")).Click();

        browser.WaitFor(driver => driver.FindElement(By.Id("replay-result")).Text.Contains("Moved 1 parked alert(s) from critical_error back to critical", StringComparison.Ordinal),
            "what the replay moved");
        var mail = Assert.Single(await routes.Sink.WaitForAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Contains("parked 0", mail.TextBody, StringComparison.Ordinal);
        browser.WaitFor(driver => driver.FindElement(By.CssSelector("[data-route='critical']")).Text.Contains("0 alerts and", StringComparison.Ordinal), "the parked count back to 0");
        Assert.True((bool)browser.Script("return document.documentElement.scrollWidth <= window.innerWidth")!, "the page scrolls sideways at a phone's width");
        Assert.Empty(UnlabelledControls(browser));
        Assert.Empty(browser.Errors());
        browser.Screenshot("replayed");

        // The browser sends its basic credentials with any request to this host; one another site's page makes is refused.
        using var http = new HttpClient { BaseAddress = address };
        http.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{User}:{Password}")));
        foreach (var (header, value) in new[] { ("Sec-Fetch-Site", "cross-site"), ("Origin", "http://evil.example") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/parked/critical/replay");
            request.Headers.Add(header, value);
            var refused = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using var sameSite = new HttpRequestMessage(HttpMethod.Post, "/api/parked/critical/replay");
        sameSite.Headers.Add("Sec-Fetch-Site", "same-origin");
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(sameSite)).StatusCode);
        using var anonymous = new HttpClient { BaseAddress = address };
        var challenged = await anonymous.GetAsync("/");
        Assert.Equal(HttpStatusCode.Unauthorized, challenged.StatusCode);
        Assert.StartsWith("Basic ", challenged.Headers.WwwAuthenticate.First().ToString(), StringComparison.Ordinal);
    }

    static bool Clicked(IWebElement element)
    {
        element.Click();
        return true;
    }

    static Task<(Service FrontDoor, Uri Address)> StartFrontDoorAsync(IReadOnlyDictionary<string, string> broker) =>
        Service.StartFrontDoorAsync(broker, ("FrontDoor__Username", User), ("FrontDoor__Password", Password));

    /// <summary>Every control has a name a screen reader says: a label, an aria-label, or its own text.</summary>
    static IReadOnlyList<string> UnlabelledControls(Browser browser) =>
        [.. ((IEnumerable<object>)browser.Script("""
            return [...document.querySelectorAll('input, select, textarea, button')]
              .filter(c => !(c.labels && c.labels.length) && !c.getAttribute('aria-label') && !c.textContent.trim())
              .map(c => c.outerHTML);
            """)!).Select(control => control.ToString()!)];
}
