// Fixtures of the studio test, written here (no shared data in the repository): a deterministic
// corpus of complaints built from hand-written sentences, and a ratings stream for the triggers.

/** Hand-written complaint sentences (Chinese retail banking), combined into complaints. */
export const SENTENCES = [
  "信用卡被乱收年费，客服说不能退。",
  "我的银行卡被盗刷了两万元，不是本人操作。",
  "网点排队两个小时，柜员态度很差。",
  "贷款逾期后催收人员天天打电话给我家人和同事。",
  "手机银行转账一直失败，系统提示网络错误。",
  "理财经理承诺保本保收益，现在亏了百分之二十。",
  "房贷提前还款被收取高额违约金，合同里没写清楚。",
  "我要打12378投诉你们。",
  "已经多次投诉了，一直没有人处理。",
  "我父亲七十多岁，被银行工作人员诱导购买了保险。",
  "客服电话永远打不通，转人工要等半小时。",
  "自动取款机吞卡，到现在还没退给我。",
  "分期手续费比宣传的高很多，属于误导营销。",
  "我的个人信息被泄露，天天接到推销电话。",
  "不办理信用卡就不给办理贷款，这是捆绑销售。",
  "ATM取款没出钞，账户却扣了钱。",
  "柜台工作人员不理人，办业务推来推去。",
  "我没有报警，只想把钱退回来。",
  "借款利率说是月息很低，算下来年化利率超过百分之二十四。",
  "储蓄卡被冻结，没有任何通知。",
  "外汇汇款被退回，手续费却不退。",
  "我要找媒体曝光你们银行。",
  "律师已经准备起诉了。",
  "app更新以后登录不了，验证码收不到。",
  "网银显示余额和实际不一致。",
  "贵金属产品宣传收益高，实际风险很大。",
  "催收短信威胁要上门，还要爆通讯录。",
  "退休金账户被扣了管理费，没有告知。",
  "信用卡额度突然被降，也不说原因。",
  "开户要求购买理财产品，不买不给开。",
  "客户经理私自替我签字办理了业务。",
  "投诉处理超过十五天还没有答复。",
];

/** A small deterministic generator (LCG), so every run builds the same corpus. */
export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const CHANNELS = ["branch", "app", "phone", "wechat", "12378"];

/** `n` complaints: 1–3 sentences each, an id, a channel and a received date in March–April 2026. */
export function complaints(n, seed = 14) {
  const r = rng(seed);
  const out = [];
  for (let i = 0; i < n; i++) {
    const k = 1 + Math.floor(r() * 3);
    const parts = [];
    for (let j = 0; j < k; j++) parts.push(SENTENCES[Math.floor(r() * SENTENCES.length)]);
    const day = 1 + Math.floor(r() * 61);
    const date = new Date(Date.UTC(2026, 2, day));
    const hh = String(8 + Math.floor(r() * 10)).padStart(2, "0");
    out.push({
      id: `c${String(i + 1).padStart(5, "0")}`,
      text: parts.join(""),
      channel: CHANNELS[Math.floor(r() * CHANNELS.length)],
      received_at: `${date.toISOString().slice(0, 10)}T${hh}:15:00+08:00`,
    });
  }
  return out;
}

const csvField = (v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** The complaints as CSV, with one malformed row (a field too many) after row `badAfter`.
 *  Returns {text, badLine}. */
export function complaintsCsv(list, badAfter) {
  const lines = ["id,text,channel,received_at"];
  let badLine = null;
  list.forEach((c, k) => {
    lines.push([c.id, c.text, c.channel, c.received_at].map(csvField).join(","));
    if (k + 1 === badAfter) {
      lines.push("bad1,这一行多了一个字段,app,2026-03-01T09:00:00+08:00,多余");
      badLine = lines.length;
    }
  });
  return { text: lines.join("\n") + "\n", badLine };
}

/** A ratings stream for the built-in pack's policies: a run of three low scores at BJ-001
 *  within an hour (branch-low-1h fires), good scores there for more than a day (it recovers), a
 *  1-star rating whose comment mentions card fraud and 12378 (csat-high-risk fires at once), a
 *  row with a score that is not a number (an invalid notice), and background good ratings. */
export function ratings() {
  const ev = [];
  const add = (id, at, score, branch, comment) => ev.push({ id, at, score, branch, comment });
  const r = rng(7);
  for (let d = 1; d <= 4; d++) {
    for (let k = 0; k < 6; k++) {
      const branch = ["SH-002", "GZ-003", "BJ-001"][k % 3];
      const at = `2026-05-0${d}T${String(8 + k).padStart(2, "0")}:05:00+08:00`;
      add(`bg-${d}-${k}`, at, 4 + Math.floor(r() * 2), branch, "办理很快，服务不错");
    }
  }
  add("low-1", "2026-05-02T09:10:00+08:00", 1, "BJ-001", "柜员态度很差，排队两个小时");
  add("low-2", "2026-05-02T09:20:00+08:00", 2, "BJ-001", "排队太久，窗口只开了一个");
  add("low-3", "2026-05-02T09:30:00+08:00", 1, "BJ-001", "工作人员不理人，态度差");
  add("risk-1", "2026-05-03T11:00:00+08:00", 1, "SH-002", "银行卡被盗刷，客服不处理，我要打12378投诉");
  ev.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const lines = ["id,at,score,branch,comment"];
  for (const e of ev) lines.push([e.id, e.at, String(e.score), e.branch, e.comment].map(csvField).join(","));
  lines.push("bad-1,2026-05-04T20:00:00+08:00,abc,BJ-001,分数不是数字");
  return {
    text: lines.join("\n") + "\n",
    events: ev.map((e) => ({ id: e.id, at: e.at, score: e.score, scale: "csat5", branch: e.branch, comment: e.comment })),
    badLine: lines.length,
  };
}
