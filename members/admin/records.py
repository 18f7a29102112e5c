"""Admin for the register's reference tables and records: unions, benefits,
payments, dues rates, tax-deduction caps, products and orders."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from members.models import (
    Benefit,
    DuesRate,
    Order,
    Payment,
    Product,
    TaxDeductionCap,
    Union,
)

from .access import LogsMemberReads


@admin.register(Union)
class UnionAdmin(admin.ModelAdmin):
    list_display = ("name", "in_lo", "active")
    list_filter = ("in_lo", "active")
    search_fields = ("name",)


@admin.register(Benefit)
class BenefitAdmin(admin.ModelAdmin):
    list_display = ("name", "provider", "active")
    list_filter = ("active",)
    search_fields = ("name", "provider")


@admin.register(Payment)
class PaymentAdmin(LogsMemberReads, SimpleHistoryAdmin):
    list_display = ("paid_on", "period", "member", "kind", "amount_kr", "source", "kid")
    list_select_related = ("member",)
    list_filter = ("kind", "source", "period")
    search_fields = ("=kid", "=reference", "=member__member_number")
    raw_id_fields = ("member",)
    show_full_result_count = False
    list_per_page = 50

    @admin.display(description=_("beløp (kr)"), ordering="amount_ore")
    def amount_kr(self, obj: Payment) -> str:
        return f"{obj.amount_ore / 100:,.2f}".replace(",", " ").replace(".", ",")


@admin.register(DuesRate)
class DuesRateAdmin(admin.ModelAdmin):
    list_display = (
        "year",
        "membership_type",
        "percent",
        "monthly_cap_ore",
        "legal_aid_ore",
        "flat_monthly_ore",
    )
    list_filter = ("year", "membership_type")


@admin.register(TaxDeductionCap)
class TaxDeductionCapAdmin(admin.ModelAdmin):
    list_display = ("year", "amount_ore")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "partner", "price_ore", "price_period", "active")
    list_select_related = ("partner",)
    list_filter = ("kind", "active", "partner")
    search_fields = ("name",)
    raw_id_fields = ("partner",)


@admin.register(Order)
class OrderAdmin(LogsMemberReads, SimpleHistoryAdmin):
    list_display = ("ordered_at", "member", "product", "status")
    list_select_related = ("member", "product")
    list_filter = ("status", "product")
    search_fields = ("=member__member_number", "member__last_name")
    raw_id_fields = ("member", "product")
