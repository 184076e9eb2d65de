import type { Metadata } from "next";
import { describeLimit, LIMITED_RESOURCES, PAID_PLANS, PLAN_LIMITS, PLAN_NAMES, RESOURCE_LABELS, PLANS, type LimitedResource } from "@/core/plans";
import { billingOverview } from "@/server/billing/overview";
import { isLiveStatus } from "@/server/billing/subscription";
import { AccountForm } from "../../_components/account-form";
import { pageSession } from "../_session";
import { SettingsNav } from "../_nav";
import { portalAction, upgradeAction } from "./actions";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Billing" };

const number = (n: number) => n.toLocaleString("en");
const day = (date: Date) => date.toISOString().slice(0, 10);

function UsageRow({ resource, used, limit }: { resource: LimitedResource; used: number; limit: number | null }) {
  const share = limit === null ? 0 : limit === 0 ? 1 : Math.min(1, used / limit);
  const level = share >= 1 ? "full" : share >= 0.8 ? "high" : "ok";
  return (
    <li className="usage">
      <span className="usage-label">{RESOURCE_LABELS[resource].title}</span>
      <span className="usage-figure">
        {number(used)} {limit === null ? <span className="note">(no limit)</span> : <>of {number(limit)}</>}
      </span>
      {limit === null ? null : (
        <span className={`usage-bar usage-${level}`} aria-hidden="true">
          <span style={{ width: `${Math.round(share * 100)}%` }} />
        </span>
      )}
    </li>
  );
}

export default async function BillingPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { session } = await pageSession("/settings/billing");
  if (!session.workspace) {
    return (
      <>
        <h1>Billing</h1>
        <SettingsNav session={session} current="/settings/billing" />
        <p className="notice">You do not belong to a workspace.</p>
      </>
    );
  }
  const overview = await billingOverview(session.workspace.id);
  const checkout = (await searchParams).checkout;
  const owner = session.workspace.role === "owner";
  const live = isLiveStatus(overview.subscription?.status);
  return (
    <>
      <h1>Billing of {session.workspace.name}</h1>
      <SettingsNav session={session} current="/settings/billing" />
      {checkout === "success" ? <p className="form-done" role="status">Thank you! The new plan applies as soon as Stripe confirms the payment, usually within seconds.</p> : null}
      {checkout === "cancelled" ? <p className="notice" role="status">Checkout was cancelled; nothing was charged.</p> : null}

      {!overview.enabled ? (
        <section className="card" aria-labelledby="plan-heading">
          <h2 id="plan-heading" style={{ marginTop: 0 }}>
            Plan
          </h2>
          <p className="notice">Billing is not enabled on this instance: there are no plans and every limit is off.</p>
          <ul className="usage-list">
            {overview.usage.map((row) => (
              <UsageRow key={row.resource} {...row} />
            ))}
          </ul>
        </section>
      ) : (
        <>
          <section className="card" aria-labelledby="plan-heading">
            <h2 id="plan-heading" style={{ marginTop: 0 }}>
              {PLAN_NAMES[overview.plan!]} plan
            </h2>
            {overview.subscription?.status === "past_due" ? (
              <p className="notice">The last payment failed. Stripe retries it; update the payment method under Manage billing to keep the plan.</p>
            ) : null}
            {live && overview.subscription?.currentPeriodEnd ? (
              <p>
                {overview.subscription.cancelAtPeriodEnd ? "Ends" : "Renews"} on {day(overview.subscription.currentPeriodEnd)}.
              </p>
            ) : null}
            <ul className="usage-list">
              {overview.usage.map((row) => (
                <UsageRow key={row.resource} {...row} />
              ))}
            </ul>
            <p className="note">Monthly figures count from the first of the month (UTC). At a limit, creating more is refused until the next month or a bigger plan; short links keep redirecting.</p>
            {owner && overview.hasCustomer ? (
              <AccountForm id="portal" label="Manage billing" action={portalAction} fields={[]} submit="Manage billing" pending="Opening Stripe…" inline />
            ) : null}
          </section>

          <section className="card" aria-labelledby="plans-heading">
            <h2 id="plans-heading" style={{ marginTop: 0 }}>
              Plans
            </h2>
            <div className="plans">
              {PLANS.map((plan) => (
                <div key={plan} className="plan" aria-current={plan === overview.plan ? "true" : undefined}>
                  <h3>
                    {PLAN_NAMES[plan]}
                    {plan === overview.plan ? <span className="plan-badge">current</span> : null}
                  </h3>
                  <ul>
                    {LIMITED_RESOURCES.map((resource) => (
                      <li key={resource}>
                        {describeLimit(resource, PLAN_LIMITS[plan][resource])}
                      </li>
                    ))}
                  </ul>
                  {owner && !live && (PAID_PLANS as readonly string[]).includes(plan) ? (
                    <AccountForm id={`upgrade-${plan}`} label={`Upgrade to ${PLAN_NAMES[plan]}`} action={upgradeAction} hidden={{ plan }} fields={[]} submit={`Upgrade to ${PLAN_NAMES[plan]}`} pending="Opening Checkout…" inline />
                  ) : null}
                </div>
              ))}
            </div>
            {!owner ? <p className="note">Only an owner of the workspace can change its plan.</p> : live ? <p className="note">Change or cancel the plan under Manage billing.</p> : null}
          </section>
        </>
      )}
    </>
  );
}
